import sys

from shopper.cli import main

sys.exit(main())
