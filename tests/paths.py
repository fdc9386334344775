"""Where things are, for tests in any tier: the project root, the IATI samples and fixtures, and the
shared folder beside the project (the source of the reference data the project ships a copy of)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IATI = ROOT / "tests" / "unit" / "iati"
SAMPLES = IATI / "samples"
FIXTURES = IATI / "fixtures"
ARTIFACTS = ROOT / "test-artifacts"
SHARED = ROOT.parent / "shared"
