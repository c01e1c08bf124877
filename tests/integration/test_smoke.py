def test_login_page_renders(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert "Sign in" in r.get_data(as_text=True)


def test_login_as_school_admin(login_as):
    c = login_as("school_admin")
    r = c.get("/home")
    assert r.status_code == 200
    assert "School A" in r.get_data(as_text=True)
