"""Names of Vietnamese banks by NAPAS BIN, for payment instructions people can follow."""

from __future__ import annotations

BANK_NAMES = {
    "970405": "Agribank",
    "970407": "Techcombank",
    "970415": "VietinBank",
    "970416": "ACB",
    "970418": "BIDV",
    "970422": "MB Bank",
    "970423": "TPBank",
    "970431": "Eximbank",
    "970432": "VPBank",
    "970436": "Vietcombank",
    "970437": "HDBank",
    "970441": "VIB",
    "970443": "SHB",
    "970448": "OCB",
    "970403": "Sacombank",
    "970426": "MSB",
    "970454": "Viet Capital Bank",
}


def bank_name(bin_code: str) -> str:
    return BANK_NAMES.get(bin_code, f"BIN {bin_code}")
