import sys

import shopper.cli

sys.exit(shopper.cli.main())
