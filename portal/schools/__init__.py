"""Education authorities (jurisdictions) and schools."""
