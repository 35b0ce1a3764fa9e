#!/usr/bin/env python3
"""Reference X-Twilio-Signature values from the official `twilio` package's
RequestValidator, for bot/src/channels/twilio.rs's unit test (which reads the
committed TSV and needs no Python).

    pip install twilio
    python3 tests/reference/twilio_signatures.py > bot/src/channels/testdata/twilio_signatures.tsv

Columns: case, auth token, the URL Twilio signed, the form body as sent
(application/x-www-form-urlencoded), the signature, and another URL the
validator also accepts for that signature (the same URL with or without its
port, as twilio-python's validate() tries both).
"""

import sys
from urllib.parse import urlencode

import twilio
from multidict import MultiDict
from twilio.request_validator import RequestValidator

TOKEN = "12345"
SMS_TOKEN = "0123456789abcdef0123456789abcdef"
SMS_URL = "https://posyandu.example.id/webhooks/twilio/sms"
STATUS_URL = "https://posyandu.example.id/webhooks/twilio/status"
ACCOUNT = "AC" + "0" * 32

CASES = [
    # Twilio's own documented example.
    ("documented_example", TOKEN, "https://mycompany.com/myapp.php?foo=1&bar=2", [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
        ("From", "+14158675309"), ("To", "+18005551212"),
    ], "https://mycompany.com:443/myapp.php?foo=1&bar=2"),
    # A repeated name: distinct values, sorted.
    ("repeated_name", TOKEN, "https://mycompany.com/myapp.php?foo=1&bar=2", [
        ("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"),
    ], "https://mycompany.com:443/myapp.php?foo=1&bar=2"),
    ("repeated_identical_values", TOKEN, "https://mycompany.com/hook", [
        ("MediaUrl0", "https://x/a"), ("MediaUrl0", "https://x/a"), ("NumMedia", "1"),
    ], "https://mycompany.com:443/hook"),
    # A realistic inbound SMS from an Indonesian number, unknown parameters included.
    ("inbound_sms", SMS_TOKEN, SMS_URL, [
        ("ToCountry", "ID"), ("ToState", ""), ("SmsMessageSid", "SM" + "a" * 32), ("NumMedia", "0"),
        ("ToCity", ""), ("FromZip", ""), ("SmsSid", "SM" + "a" * 32), ("FromState", ""),
        ("SmsStatus", "received"), ("FromCity", ""), ("Body", "TIMBANG 1234 9,5 kg"),
        ("FromCountry", "ID"), ("To", "+6281100001111"), ("ToZip", ""), ("NumSegments", "1"),
        ("MessageSid", "SM" + "a" * 32), ("AccountSid", ACCOUNT), ("From", "+6281234567890"),
        ("ApiVersion", "2010-04-01"),
    ], "https://posyandu.example.id:443/webhooks/twilio/sms"),
    ("unicode_body", SMS_TOKEN, SMS_URL, [
        ("MessageSid", "SM1"), ("From", "+6281234567890"),
        ("Body", "Terima kasih 🙏 Bu Bidan, anak saya demam 38,5°C — café"),
    ], "https://posyandu.example.id:443/webhooks/twilio/sms"),
    ("special_characters", SMS_TOKEN, SMS_URL, [
        ("MessageSid", "SM2"), ("From", "+6281234567890"),
        ("Body", "a+b=c & d%20e\nbaris baru\tdan tab"),
    ], "https://posyandu.example.id:443/webhooks/twilio/sms"),
    ("empty_body", SMS_TOKEN, SMS_URL, [
        ("MessageSid", "MM3"), ("From", "+6281234567890"), ("Body", ""), ("NumMedia", "1"),
        ("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM3/Media/ME1"),
        ("MediaContentType0", "image/jpeg"),
    ], "https://posyandu.example.id:443/webhooks/twilio/sms"),
    # Sorting by name, not by name+value: "Reason" before "ReasonConferenceEnded".
    ("prefix_names", TOKEN, "https://mycompany.com/conf", [
        ("ReasonConferenceEnded", "participant-with-end-conference-on-exit-left"),
        ("Reason", "Participant CA1 left"),
    ], "https://mycompany.com:443/conf"),
    # Byte order: capitals before lower case.
    ("case_sensitive_order", TOKEN, "https://mycompany.com/case", [
        ("body", "lower"), ("Body", "upper"), ("_x", "underscore"), ("Zeta", "z"), ("alpha", "a"),
    ], "https://mycompany.com:443/case"),
    ("status_callback", SMS_TOKEN, STATUS_URL, [
        ("SmsSid", "SM4"), ("SmsStatus", "undelivered"), ("MessageStatus", "undelivered"),
        ("To", "+6281234567890"), ("MessageSid", "SM4"), ("AccountSid", ACCOUNT),
        ("From", "+15005550006"), ("ApiVersion", "2010-04-01"), ("ErrorCode", "30003"),
    ], "https://posyandu.example.id:443/webhooks/twilio/status"),
    # A URL with an explicit port, and a query string of our own.
    ("explicit_port", SMS_TOKEN, "https://posyandu.example.id:8443/webhooks/twilio/sms?desa=5171", [
        ("MessageSid", "SM5"), ("From", "+6281234567890"), ("Body", "halo"),
    ], "https://posyandu.example.id:8443/webhooks/twilio/sms?desa=5171"),
    # Signed without a port, seen with one (a proxy's port): any port is removed.
    ("seen_with_another_port", SMS_TOKEN, "https://posyandu.example.id/webhooks/twilio/sms", [
        ("MessageSid", "SM7"), ("From", "+6281234567890"), ("Body", "halo"),
    ], "https://posyandu.example.id:8443/webhooks/twilio/sms"),
    ("plain_http_default_port", SMS_TOKEN, "http://127.0.0.1/webhooks/twilio/sms", [
        ("MessageSid", "SM6"), ("From", "+6281234567890"), ("Body", "halo"),
    ], "http://127.0.0.1:80/webhooks/twilio/sms"),
    ("no_parameters", SMS_TOKEN, "https://posyandu.example.id/webhooks/twilio/ping?x=1", [],
     "https://posyandu.example.id:443/webhooks/twilio/ping?x=1"),
]


def main():
    out = sys.stdout
    out.write("# generated by tests/reference/twilio_signatures.py with twilio %s\n" % twilio.__version__)
    out.write("# case\tauth_token\turl\tform_body\tsignature\talso_valid_url\n")
    for case, token, url, params, also_valid in CASES:
        validator = RequestValidator(token)
        multi = MultiDict(params)
        signature = validator.compute_signature(url, multi)
        assert validator.validate(url, multi, signature), case
        assert validator.validate(also_valid, multi, signature), case
        body = urlencode(params)
        for column in (case, token, url, body, signature, also_valid):
            assert "\t" not in column and "\n" not in column, case
        out.write("\t".join((case, token, url, body, signature, also_valid)) + "\n")


if __name__ == "__main__":
    main()
