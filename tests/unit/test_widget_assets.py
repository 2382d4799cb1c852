"""The widget's size budget (issue 4: under 30 KB gzipped, everything included)."""
import gzip

import chat_widget

BUDGET_BYTES = 30 * 1024


def test_the_widget_stays_under_30_kb_gzipped():
    total = sum(len(gzip.compress((chat_widget.ASSETS / name).read_bytes(), 9)) for name in chat_widget.FILES)
    assert total < BUDGET_BYTES, f"{total} bytes gzipped"

