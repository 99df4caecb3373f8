"""Write journal entries one after the other, printing each id once its commit returned.

Run under the power-cut shim by tests/test_power_loss.py: ``writer.py DB FIRST SYNCHRONOUS``.
``SYNCHRONOUS`` is the kiosk's own setting (FULL) or the control's OFF. The kiosk's database
code is used as is; only the control overrides the pragma after opening.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sample_records import queued_fine

from offline_store.database import KioskDatabase
from offline_store.journal import SqliteJournal


def main() -> None:
    path, first, synchronous = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    database = KioskDatabase(path)
    if synchronous != "FULL":
        with database.reading() as db:
            db.execute(f"PRAGMA synchronous={synchronous}")
    journal = SqliteJournal(database)
    number = first
    while True:
        name = f"t-{number:06d}"
        journal.open_transaction(queued_fine(name, posting_data=(("street", "Rue Éloïse"),)))
        print(name, flush=True)  # acknowledged: the citizen would be told
        number += 1


if __name__ == "__main__":
    main()
