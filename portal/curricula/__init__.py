"""Education systems, grade equivalence and mark conversion."""
