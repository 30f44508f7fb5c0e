#!/usr/bin/env python3
"""Checks that Microsoft's own MSAL for Python accepts aad-emulator as an authority:
OpenID discovery, then client-credentials tokens with the client secret and with the
demo certificate (PS256 with x5t#S256, and RS256 with x5t).

    pip install msal cryptography
    aad-emulator --port 0 --tls --print-env > env.txt &      # wait for 'listening on'
    source <(grep '^export' env.txt)
    scripts/msal-check.py

It reads the emulator's exports (AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID,
AAD_CLIENT_SECRET_FILE, AAD_EMULATOR_CERTIFICATE_PATH, SSL_CERT_FILE with --tls) and
prints the token response of each flow without the token. Exit status 1 when one fails.
"""
import os
import re
import sys

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes


def main():
    env = os.environ
    authority = f"{env['AZURE_AUTHORITY_HOST']}/{env['AZURE_TENANT_ID']}"
    session = requests.Session()
    # requests lets REQUESTS_CA_BUNDLE override a session's verify; the CA is ours.
    session.trust_env = False
    session.verify = env.get("SSL_CERT_FILE", True)
    pem = open(env["AAD_EMULATOR_CERTIFICATE_PATH"]).read()
    key = re.search(r"-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----", pem, re.S).group(0)
    cert = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", pem, re.S).group(0)
    sha1 = x509.load_pem_x509_certificate(cert.encode()).fingerprint(hashes.SHA1()).hex()
    credentials = {
        "client secret": open(env["AAD_CLIENT_SECRET_FILE"]).read().strip(),
        "certificate, PS256 + x5t#S256": {"private_key": key, "thumbprint": sha1, "public_certificate": cert},
        "certificate, RS256 + x5t": {"private_key": key, "thumbprint": sha1},
    }
    failed = False
    for name, credential in credentials.items():
        app = msal.ConfidentialClientApplication(
            env["AZURE_CLIENT_ID"], client_credential=credential, authority=authority,
            http_client=session, instance_discovery=False,
        )
        result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        ok = "access_token" in result
        failed |= not ok
        shown = {k: v for k, v in result.items() if k != "access_token"}
        print(f"{'ok  ' if ok else 'FAIL'} MSAL {msal.__version__}, {name}: {shown}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
