"""Local servers standing in for Procountor and Taimer, for the demo, tests and benchmarks."""
