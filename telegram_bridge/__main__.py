"""`python -m telegram_bridge`: run the Telegram bot (see telegram_bridge.app)."""
import sys

from telegram_bridge.app import main

sys.exit(main())
