"""What no domain owns: settings, database, clock, errors, logging."""
