"""Journal records as tests need them, typed once."""

from __future__ import annotations

from transactions.records import Fields, LineItem, TransactionRecord
from transactions.saga.states import SagaState


def queued_fine(transaction_id: str, posting_data: Fields = ()) -> TransactionRecord:
    """Return a fine payment waiting for its posting, as the journal would hold it."""
    return TransactionRecord(
        transaction_id=transaction_id,
        service="fine",
        language="fr",
        state=SagaState.POST_QUEUED,
        items=(LineItem("100042158731", 12500),),
        kiosk_fee_cents=100,
        reference="K-7Q4M-2XPD",
        created_at="2026-11-22T14:03:00+00:00",
        posting_data=posting_data,
    )
