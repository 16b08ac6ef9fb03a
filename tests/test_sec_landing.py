"""Landing: only a body that parses and validates replaces the last good file, atomically."""

import json
from pathlib import Path

import pytest

from pipelines.sec.config import load_settings
from pipelines.sec.landing import LandingRejected, land_bytes
from pipelines.sec.parse import parse_files

FIXTURES = Path(__file__).parent / "fixtures" / "sec"
MSFT_FILE = FIXTURES / "CIK0000789019.json"


@pytest.fixture
def msft():
    return next(c for c in load_settings({}).companies if c.ticker == "MSFT")


@pytest.fixture
def landed(tmp_path: Path, msft) -> Path:
    target = tmp_path / "sec" / msft.file_name
    result = land_bytes(MSFT_FILE.read_bytes(), msft, target)
    assert result.facts == 11  # 2 + 2 + 2 + 2 + 3 facts in the five MSFT filings of the fixture
    return target


def test_valid_body_lands_byte_for_byte(landed: Path) -> None:
    assert landed.read_bytes() == MSFT_FILE.read_bytes()
    assert [p.name for p in landed.parent.iterdir()] == [landed.name]  # no temporary left


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (None, "not valid companyfacts JSON"),  # truncated: first 60 % of the real body
        (b"", "empty body"),
        (b"<html><body>503 Service Unavailable</body></html>", "not valid companyfacts JSON"),
        (b'{"cik": 789019, "entityName": "MICROSOFT CORPORATION", "facts": {}}', "no facts"),
        (b'{"cik": 320193, "entityName": "X", "facts": {}}', "cik is 320193, expected 789019"),
        (b"[1, 2]", "not valid companyfacts JSON"),
        (
            b'{"cik": 789019, "facts": {}}\n{"cik": 789019, "facts": {}}',
            "expected one JSON object, found 2",
        ),
    ],
)
def test_bad_body_is_rejected_and_last_good_file_kept(
    landed: Path, msft, body: bytes | None, reason: str
) -> None:
    good = landed.read_bytes()
    stat = landed.stat()
    if body is None:
        body = good[: int(len(good) * 0.6)]
    with pytest.raises(LandingRejected, match=reason):
        land_bytes(body, msft, landed)
    assert landed.read_bytes() == good
    assert landed.stat().st_mtime_ns == stat.st_mtime_ns and landed.stat().st_ino == stat.st_ino
    assert [p.name for p in landed.parent.iterdir()] == [landed.name]


def test_facts_failing_the_pandera_model_are_rejected(landed: Path, msft) -> None:
    data = json.loads(MSFT_FILE.read_text())
    facts = data["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]["USD"]
    facts[0]["accn"] = "not-an-accession-number"
    facts[1]["start"], facts[1]["end"] = facts[1]["end"], facts[1]["start"]
    with pytest.raises(LandingRejected, match="FactsModel") as caught:
        land_bytes(json.dumps(data).encode(), msft, landed)
    assert "accn" in str(caught.value) and "start must not be after end" in str(caught.value)
    assert landed.read_bytes() == MSFT_FILE.read_bytes()


def test_parser_reads_every_fact_including_instants(tmp_path: Path) -> None:
    path = tmp_path / "CIK0000000042.json"
    # Synthetic file: one instant fact (no start) and one duration fact with a frame.
    path.write_text(
        json.dumps(
            {
                "cik": 42,
                "entityName": "Synthetic Inc.",
                "facts": {
                    "dei": {
                        "EntityCommonStockSharesOutstanding": {
                            "label": "Shares",
                            "units": {
                                "shares": [
                                    {
                                        "end": "2025-06-30",
                                        "val": 1000,
                                        "accn": "9999999999-25-000001",
                                        "fy": 2025,
                                        "fp": "Q2",
                                        "form": "10-Q",
                                        "filed": "2025-07-30",
                                    }
                                ]
                            },
                        }
                    },
                    "us-gaap": {
                        "Revenues": {
                            "label": "Revenues",
                            "units": {
                                "USD": [
                                    {
                                        "start": "2025-04-01",
                                        "end": "2025-06-30",
                                        "val": 2.5e9,
                                        "accn": "9999999999-25-000001",
                                        "fy": 2025,
                                        "fp": "Q2",
                                        "form": "10-Q",
                                        "filed": "2025-07-30",
                                        "frame": "CY2025Q2",
                                    }
                                ]
                            },
                        }
                    },
                },
            }
        )
    )
    facts = parse_files([path], {42: "SYN"}).sort("taxonomy")
    assert facts.select("ticker", "taxonomy", "concept", "unit", "val", "frame").rows() == [
        ("SYN", "dei", "EntityCommonStockSharesOutstanding", "shares", 1000.0, None),
        ("SYN", "us-gaap", "Revenues", "USD", 2.5e9, "CY2025Q2"),
    ]
    assert facts["start"].to_list()[0] is None


def test_a_file_that_lost_a_configured_concept_is_rejected(landed: Path, msft) -> None:
    data = json.loads(MSFT_FILE.read_text())
    gaap = data["facts"]["us-gaap"]
    gaap["Revenues"] = gaap.pop("PaymentsToAcquirePropertyPlantAndEquipment")  # capex is gone
    with pytest.raises(LandingRejected) as caught:
        land_bytes(json.dumps(data).encode(), msft, landed)
    assert str(caught.value) == (
        "the new file has no facts of configured concept(s) "
        f"PaymentsToAcquirePropertyPlantAndEquipment, which the previous file {landed} has "
        "(raw/filing_concepts.csv); a series must not disappear silently"
    )
    assert landed.read_bytes() == MSFT_FILE.read_bytes()
    assert [p.name for p in landed.parent.iterdir()] == [landed.name]


def test_the_first_file_has_nothing_to_lose(tmp_path: Path, msft) -> None:
    data = json.loads(MSFT_FILE.read_text())
    gaap = data["facts"]["us-gaap"]
    gaap["Revenues"] = gaap.pop("PaymentsToAcquirePropertyPlantAndEquipment")
    result = land_bytes(json.dumps(data).encode(), msft, tmp_path / msft.file_name)
    assert result.facts == 11
