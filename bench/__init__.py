"""Load generators and benchmark scripts (not run by the test suite)."""
