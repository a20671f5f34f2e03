"""`python -m planner` works the same as `planner`."""

from planner.cli import main

if __name__ == "__main__":
    main()
