import sys

try:
    from vaebench.cli import main
except KeyboardInterrupt:  # Ctrl-C while the package loads: before anything was written
    print("vaebench: interrupted while starting; nothing was written", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
