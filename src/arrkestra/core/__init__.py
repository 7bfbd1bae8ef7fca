"""Pure domain logic: no I/O, no clock, no environment, no globals."""
