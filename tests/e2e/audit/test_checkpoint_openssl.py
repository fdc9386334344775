"""An auditor checks a signed checkpoint with the openssl command alone, knowing only the documented format."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from projections.audit.checkpoints import SigningKey

HEAD = "ab" * 32
PREV = "cd" * 32
TIME = "2025-11-28T12:00:00.000000Z"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_an_auditor_verifies_a_checkpoint_with_openssl_alone(tmp_path):
    # given a checkpoint and the public key PEM, as served to auditors
    key = SigningKey.generate()
    checkpoint = key.sign(1200, 1187, HEAD, TIME, prev=(1100, PREV))
    (tmp_path / "public.pem").write_bytes(key.public_key_pem())
    # when the documented v2 message is rebuilt by hand and checked with the openssl command
    message = f"uncac-ledger-checkpoint-v2\n{checkpoint.position}\n{checkpoint.count}\n"
    message += f"{checkpoint.chain_hash}\n{checkpoint.time}\n{checkpoint.prev_position}\n{checkpoint.prev_chain_hash}\n"
    (tmp_path / "msg").write_bytes(message.encode())
    (tmp_path / "sig").write_bytes(bytes.fromhex(checkpoint.signature))
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "public.pem", "-rawin"]
    ok = subprocess.run([*command, "-in", "msg", "-sigfile", "sig"], cwd=tmp_path, capture_output=True)
    (tmp_path / "msg").write_bytes(message.replace("1187", "1186").encode())
    bad = subprocess.run([*command, "-in", "msg", "-sigfile", "sig"], cwd=tmp_path, capture_output=True)
    (tmp_path / "msg").write_bytes(message.replace("\n1100\n", "\n1000\n").encode())
    unlinked = subprocess.run([*command, "-in", "msg", "-sigfile", "sig"], cwd=tmp_path, capture_output=True)
    # then openssl agrees: the signature holds, and not over an edited message nor another previous checkpoint
    assert ok.returncode == 0, ok.stderr
    assert bad.returncode != 0
    assert unlinked.returncode != 0
