"""Bilingual refusals of the transport, health and natural-resources programmes."""

from __future__ import annotations

import datetime as dt

from ministry_sandbox.errors import SandboxError, cad_en, cad_fr


def check_fee(paid_cents: int, fee_cents: int) -> None:
    """Refuse a paid write whose amount differs from the ministry's fee."""
    if paid_cents != fee_cents:
        raise SandboxError(
            422,
            "amount_mismatch",
            f"Le montant versé ({cad_fr(paid_cents)}) ne correspond pas aux frais exigés "
            f"({cad_fr(fee_cents)}).",
            f"The amount paid ({cad_en(paid_cents)}) does not match the fee ({cad_en(fee_cents)}).",
        )


# --- Transport -------------------------------------------------------------------------------


def vehicle_not_found(identifier: str) -> SandboxError:
    """Build the error for an unknown plate or renewal notice number."""
    return SandboxError(
        404,
        "vehicle_not_found",
        f"Aucun véhicule immatriculé ne correspond à {identifier}.",
        f"No registered vehicle matches {identifier}.",
    )


def vehicle_not_owned(plate: str) -> SandboxError:
    """Build the error for a licence that is not the vehicle owner's."""
    return SandboxError(
        409,
        "vehicle_not_owned",
        f"Le permis de conduire indiqué n'est pas celui du propriétaire du véhicule {plate}.",
        f"The driver's licence given is not the owner's for vehicle {plate}.",
    )


def unpaid_fines(plate: str, cents: int) -> SandboxError:
    """Build the error for a vehicle whose owner has fines to pay first."""
    return SandboxError(
        409,
        "unpaid_fines",
        f"Des amendes impayées de {cad_fr(cents)} empêchent de renouveler l'immatriculation "
        f"du véhicule {plate}. Payez-les d'abord.",
        f"Unpaid fines of {cad_en(cents)} prevent renewing the registration of vehicle "
        f"{plate}. Pay them first.",
        details={"unpaid_fines_cents": cents},
    )


def no_valid_insurance(plate: str) -> SandboxError:
    """Build the error for a vehicle without valid insurance on file."""
    return SandboxError(
        409,
        "no_valid_insurance",
        f"Aucune assurance valide n'est inscrite au dossier du véhicule {plate}. "
        "Communiquez avec votre assureur.",
        f"No valid insurance is on file for vehicle {plate}. Contact your insurer.",
    )


def licence_not_found(licence_number: str) -> SandboxError:
    """Build the error for an unknown driver's licence number."""
    return SandboxError(
        404,
        "licence_not_found",
        f"Aucun permis de conduire ne porte le numéro {licence_number}.",
        f"No driver's licence has the number {licence_number}.",
    )


def date_of_birth_mismatch(licence_number: str) -> SandboxError:
    """Build the error for a date of birth that is not the licence holder's."""
    return SandboxError(
        409,
        "date_of_birth_mismatch",
        f"La date de naissance ne correspond pas à celle du titulaire du permis {licence_number}.",
        f"The date of birth does not match the holder of licence {licence_number}.",
    )


def plate_taken(text: str) -> SandboxError:
    """Build the error for a personalized plate already issued or ordered."""
    return SandboxError(
        409,
        "plate_taken",
        f"La plaque personnalisée {text} est déjà attribuée. Choisissez-en une autre.",
        f"The personalized plate {text} is already taken. Choose another one.",
    )


def plate_refused(text: str) -> SandboxError:
    """Build the error for a personalized plate the ministry will not issue."""
    return SandboxError(
        409,
        "plate_refused",
        f"Le ministère n'émet pas la plaque personnalisée {text}. Choisissez-en une autre.",
        f"The ministry does not issue the personalized plate {text}. Choose another one.",
    )


# --- Health ----------------------------------------------------------------------------------


def health_card_not_found(number: str) -> SandboxError:
    """Build the error for an unknown health card number."""
    return SandboxError(
        404,
        "card_not_found",
        f"Aucune carte Santé ne porte le numéro {number}.",
        f"No health card has the number {number}.",
    )


def health_card_expired(number: str, expiry: dt.date) -> SandboxError:
    """Build the error for an address change on an expired health card."""
    return SandboxError(
        409,
        "card_expired",
        f"La carte Santé {number} est expirée depuis le {expiry.isoformat()} : "
        "renouvelez-la dans un centre de service.",
        f"Health card {number} expired on {expiry.isoformat()}: renew it at a service centre.",
    )


# --- Natural resources -----------------------------------------------------------------------


def outdoor_card_not_found(number: str) -> SandboxError:
    """Build the error for an unknown Outdoors Card number."""
    return SandboxError(
        404,
        "card_not_found",
        f"Aucune carte Plein air ne porte le numéro {number}.",
        f"No Outdoors Card has the number {number}.",
    )


def outdoor_card_not_renewable(number: str, expiry: dt.date) -> SandboxError:
    """Build the error for an Outdoors Card expired more than three years ago."""
    return SandboxError(
        409,
        "card_not_renewable",
        f"La carte Plein air {number} est expirée depuis plus de trois ans (le "
        f"{expiry.isoformat()}) : le titulaire doit se présenter à un comptoir de service.",
        f"Outdoors Card {number} expired more than three years ago (on {expiry.isoformat()}): "
        "the holder must go to a service counter.",
    )
