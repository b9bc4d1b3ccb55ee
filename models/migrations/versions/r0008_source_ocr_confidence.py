"""Sources: the confidence of the OCR that read a scanned document.

`engine` already names what produced a document's text (`rapidocr 3.10.0 PP-OCRv6` for a scan);
`ocr_confidence` is the mean per-character confidence (0–1) of what the OCR read, NULL for
documents with a text layer.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both engines: SQLite's batch mode would rebuild `sources` under the
    # views that read it (coverage), which SQLite refuses.
    op.add_column("sources", sa.Column("ocr_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("sources", "ocr_confidence")
