"""`python -m monitor` does what the `monitor` command does."""

from monitor.cli import main

if __name__ == "__main__":
    main()
