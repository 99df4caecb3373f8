"""PC/SC chip-card reading: BER-TLV, APDUs, EMV application selection, and the pcscd reader."""
