from residency.cli import run

run()
