"""Learning passports: signed, offline-verifiable records of a child's prior learning.

Pure modules (stdlib + cbor2 + cryptography + base45): ``domain`` (content and claims payload),
``cose`` (the LP1 QR code), ``jws`` (compact JWS and the W3C VC 2.0 / Open Badges 3.0
credential), ``status_list`` (W3C Bitstring Status List) and ``keys`` (Ed25519 keys, sealing,
trust lists). ``pdf`` renders the printable A4 passport with ReportLab.
"""
