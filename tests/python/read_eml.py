"""Prints a JSON summary of an .eml file: addresses, subject, text and attachments."""
import email
import email.policy
import hashlib
import json
import sys

msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
out = {"from": msg["From"], "to": msg["To"], "cc": msg["Cc"], "subject": msg["Subject"], "text": "", "attachments": []}
for part in msg.walk():
    if part.is_multipart():
        continue
    if part.get_filename():
        payload = part.get_payload(decode=True)
        out["attachments"].append({
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "size": len(payload),
        })
    elif part.get_content_type() == "text/plain":
        out["text"] += part.get_content()
print(json.dumps(out))
