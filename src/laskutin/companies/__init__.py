"""Companies (the tenants), their members and what each role may do."""
