"""Sources: what turns a Pulumi program, state or plan into an inventory."""
