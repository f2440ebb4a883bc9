"""Career guidance bot for the ЦОПП network: domain logic, wiring and run modes."""
