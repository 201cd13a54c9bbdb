"""Writes for the legal pathway, one module per part (gateway, plans, pre_proceedings, letters,
proceedings, section20, police_protection, permanence). Every write goes through `common`:
the actor's function and access to every child it touches are checked, it runs in one
transaction, each child's change is logged, and each child's clocks are refreshed."""
