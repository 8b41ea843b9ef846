"""``python -m brushcli`` runs the command-line interface."""

from brushcli.cli import main

if __name__ == "__main__":
    main()
