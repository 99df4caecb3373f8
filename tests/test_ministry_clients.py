"""The kiosk's HTTP clients against the real sandbox: the contract, errors and replays."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from ministry_sandbox.testing import SandboxClient
from transactions.errors import BackendError, BackendUnavailable
from transactions.fines.notices import FinePosting
from transactions.ministries.fines_client import HttpMinistryGateway
from transactions.ministries.http import Timeouts
from transactions.ministries.payments_client import HttpPaymentGateway


@pytest.fixture(autouse=True)
def _no_faults(sandbox: SandboxClient) -> Iterator[None]:
    yield
    sandbox.clear_faults()


def test_a_seeded_notice_is_read_with_its_accents_and_amount(sandbox: SandboxClient) -> None:
    notice = HttpMinistryGateway(sandbox.url).look_up_notice("100042158731")
    assert notice.jurisdiction == "ontario"
    assert notice.amount_due_cents == 12500
    assert not notice.paid
    assert any(ch in notice.offence_fr for ch in "éèàç")


def test_an_already_paid_notice_is_read_as_paid(sandbox: SandboxClient) -> None:
    assert HttpMinistryGateway(sandbox.url).look_up_notice("210005609826").paid


def test_an_unknown_notice_is_a_permanent_error_with_both_messages(sandbox: SandboxClient) -> None:
    with pytest.raises(BackendError) as caught:
        HttpMinistryGateway(sandbox.url).look_up_notice("100099900019")
    assert caught.value.permanent
    assert caught.value.code == "notice_not_found"
    assert caught.value.message_fr
    assert caught.value.message_en


def test_paying_twice_with_the_same_key_records_one_payment(sandbox: SandboxClient) -> None:
    notice = sandbox.add_notice(defendant_name="Éloïse Côté-Tremblay", amount_due_cents=6150)
    gateway = HttpMinistryGateway(sandbox.url)
    posting = FinePosting(((notice["notice_number"], 6150),), "A-TEST000001", "kiosk-é")
    first = gateway.pay_notices(posting, "tx-replay:post")
    again = gateway.pay_notices(posting, "tx-replay:post")
    assert again == first
    assert len(sandbox.ledger_for("tx-replay:post")) == 1
    assert gateway.look_up_notice(notice["notice_number"]).paid


def test_a_server_error_is_retry_later(sandbox: SandboxClient) -> None:
    sandbox.set_faults(outage=True, paths=["/fines"])
    with pytest.raises(BackendUnavailable) as caught:
        HttpMinistryGateway(sandbox.url).look_up_notice("100042158731")
    assert not caught.value.permanent


def test_a_slow_backend_times_out_as_retry_later(sandbox: SandboxClient) -> None:
    sandbox.set_faults(latency_ms=1500, paths=["/fines"])
    gateway = HttpMinistryGateway(sandbox.url, Timeouts(connect=1.0, read=0.3))
    with pytest.raises(BackendUnavailable) as caught:
        gateway.look_up_notice("100042158731")
    assert caught.value.code == "backend_timeout"


def test_a_backend_nobody_listens_on_is_retry_later() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(BackendUnavailable):
        HttpMinistryGateway(f"http://127.0.0.1:{port}").look_up_notice("100042158731")


def test_the_gateway_authorizes_captures_and_voids(sandbox: SandboxClient) -> None:
    gateway = HttpPaymentGateway(sandbox.url)
    approved = gateway.authorize(12600, "amex", "1005", "tx-gw-1", "tx-gw-1:authorize")
    assert approved.approved
    assert approved.authorization_id
    assert gateway.approved_authorizations("tx-gw-1") == [approved.authorization_id]
    gateway.capture(approved.authorization_id, 12600, "tx-gw-1:capture")
    assert gateway.approved_authorizations("tx-gw-1") == []

    held = gateway.authorize(500, "interac", "0077", "tx-gw-2", "tx-gw-2:authorize")
    assert held.authorization_id is not None
    gateway.void(held.authorization_id, "tx-gw-2:void")
    assert gateway.approved_authorizations("tx-gw-2") == []


def test_a_test_card_of_the_gateway_is_declined_with_its_reason(sandbox: SandboxClient) -> None:
    outcome = HttpPaymentGateway(sandbox.url).authorize(
        900, "visa", "9995", "tx-gw-3", "tx-gw-3:authorize"
    )
    assert not outcome.approved
    assert outcome.authorization_id is None
    assert outcome.decline_reason == "insufficient_funds"
    assert outcome.card_last4 == "9995"
