"""Where things are, for tests in any tier: the project root and the IATI samples and fixtures."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IATI = ROOT / "tests" / "unit" / "iati"
SAMPLES = IATI / "samples"
FIXTURES = IATI / "fixtures"
ARTIFACTS = ROOT / "test-artifacts"
