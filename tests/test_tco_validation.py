"""The six chip/TCO raw models: shipped files pass; each rule rejects bad input with a message
that names the file, the row's chip (or system), the column and the value."""

import csv
from pathlib import Path

import pytest

from pipelines.raw.datasets import BY_NAME
from pipelines.raw.validation import validate_file

CHIP_DATASETS = [
    "accelerators",
    "accelerator_sources",
    "systems",
    "system_sources",
    "tco_assumptions",
    "tco_assumption_sources",
]


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def problems(raw: Path, name: str) -> list[str]:
    dataset = BY_NAME[name]
    return [str(p) for p in validate_file(raw / dataset.filename, dataset.model).problems]


def edit(raw: Path, filename: str, match: dict[str, str], **values: str) -> None:
    rows = rows_of(raw / filename)
    hits = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, match
    hits[0].update(values)
    write_rows(raw / filename, rows)


@pytest.mark.parametrize("name", CHIP_DATASETS)
def test_shipped_chip_files_are_valid(name: str, raw_copy: Path) -> None:
    assert problems(raw_copy, name) == []


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("life_years", "0", "life_years must be > 0 (years)"),
        ("cost_of_capital", "-0.01", "cost_of_capital must be between 0 and 0.5"),
        ("cost_of_capital", "10", "cost_of_capital must be between 0 and 0.5"),
        ("power_utilisation", "0", "power_utilisation must be in (0, 1]"),
        ("power_utilisation", "1.01", "power_utilisation must be in (0, 1]"),
        ("pue", "0.99", "pue must be >= 1"),
        ("electricity_usd_per_kwh", "-0.08", "must be between 0.001 and 5"),
        ("electricity_usd_per_kwh", "0", "must be between 0.001 and 5"),
        ("rent_usd_per_kw_month", "-1", "must be between 0 and 10000"),
        ("capital_usd", "-5", "must be between 100 and 10000000"),
        ("capital_usd", "1e30", "must be between 100 and 10000000"),
        ("it_power_kw", "1e-300", "must be between 0.01 and 100"),
        ("life_years", "100", "must be at most 30"),
        ("pue", "7", "must be at most 3"),
        ("capital_usd", "inf", "must be a finite number"),
        ("pue", "NaN", "must be a finite number"),
        ("life_years", "1e309", "must be a finite number"),
        ("capital_usd", "lots", "must be a number"),
    ],
)
def test_invalid_assumption_names_chip_and_field(
    raw_copy: Path, field: str, value: str, rule: str
) -> None:
    edit(raw_copy, "tco_assumptions.csv", {"chip": "GB200"}, **{field: value})
    [message] = problems(raw_copy, "tco_assumptions")
    path = raw_copy / "tco_assumptions.csv"
    assert message.startswith(
        f"{path}, row 3 (chip 'GB200'), column '{field}', value '{value}': {rule}"
    )


def test_boundary_values_are_accepted(raw_copy: Path) -> None:
    edit(
        raw_copy,
        "tco_assumptions.csv",
        {"chip": "GB200"},
        cost_of_capital="0.5",
        power_utilisation="1",
        pue="1",
        electricity_usd_per_kwh="0.001",
        rent_usd_per_kw_month="0",
        capital_usd="10000000",
        life_years="30",
    )
    assert problems(raw_copy, "tco_assumptions") == []


def test_duplicate_chip_and_unknown_chip_rejected(raw_copy: Path) -> None:
    rows = rows_of(raw_copy / "tco_assumptions.csv")
    duplicate_row = len(rows) + 2  # file row numbers: header is row 1, first chip row 2
    rows.append(dict(rows[0]))  # Trainium2 twice
    rows.append({**rows[1], "chip": "Maia 100"})  # not in accelerators.csv
    write_rows(raw_copy / "tco_assumptions.csv", rows)
    found = problems(raw_copy, "tco_assumptions")
    assert any(
        f"row {duplicate_row} (chip 'Trainium2'), column 'chip'" in p and "must be unique" in p
        for p in found
    )
    assert any(
        f"row {duplicate_row + 1} (chip 'Maia 100'), column 'chip', value 'Maia 100': "
        "chip must exist in accelerators.csv" in p
        for p in found
    )


def test_assumption_without_source_row_rejected(raw_copy: Path) -> None:
    # GB200's it_power_kw has its own source row; without it (and no '*' row) it is unsourced
    rows = [
        r
        for r in rows_of(raw_copy / "tco_assumption_sources.csv")
        if (r["chip"], r["field"]) != ("GB200", "it_power_kw")
    ]
    write_rows(raw_copy / "tco_assumption_sources.csv", rows)
    [message] = problems(raw_copy, "tco_assumptions")
    assert (
        "row 3 (chip 'GB200'), column 'it_power_kw', value '1.85': every value needs a source row"
        in message
    )  # noqa: E501
    assert problems(raw_copy, "tco_assumption_sources") == []


def test_source_rows_must_name_existing_chip_and_field(raw_copy: Path) -> None:
    edit(
        raw_copy,
        "tco_assumption_sources.csv",
        {"chip": "GB200", "field": "it_power_kw"},
        chip="GB300",
    )
    edit(
        raw_copy,
        "tco_assumption_sources.csv",
        {"chip": "*", "field": "pue"},
        field="pue_ratio",
    )
    found = problems(raw_copy, "tco_assumption_sources")
    assert any(
        "(chip 'GB300', field 'it_power_kw'), column 'chip', value 'GB300'" in p for p in found
    )
    assert any("column 'field', value 'pue_ratio': must be one of: " in p for p in found)
    # and a "sourced" row needs a title and an address
    edit(
        raw_copy,
        "tco_assumption_sources.csv",
        {"chip": "*", "field": "life_years"},
        source_url="",
    )
    assert any(
        "(chip '*', field 'life_years'), column 'source_url'" in p
        and "a sourced value needs source_title and source_url" in p
        for p in problems(raw_copy, "tco_assumption_sources")
    )


def test_spec_values_need_sources_and_must_not_be_negative(raw_copy: Path) -> None:
    edit(raw_copy, "accelerators.csv", {"chip": "MI300X"}, scale_up_gbps="896", hbm_tbps="-5.3")
    found = problems(raw_copy, "accelerators")
    assert any(
        "(chip 'MI300X'), column 'scale_up_gbps', value '896': every value needs a source row" in p
        for p in found
    )
    assert any(
        "(chip 'MI300X'), column 'hbm_tbps', value '-5.3': must be between 0.01 and 100" in p
        for p in found
    )
    edit(raw_copy, "accelerator_sources.csv", {"chip": "H100", "field": "tdp_w"}, chip="H800")
    assert any(
        "(chip 'H800', field 'tdp_w'), column 'chip', value 'H800': chip must exist" in p
        for p in problems(raw_copy, "accelerator_sources")
    )


def test_system_rules(raw_copy: Path) -> None:
    edit(raw_copy, "systems.csv", {"system": "GB200 NVL72"}, chip_count="0")
    edit(
        raw_copy,
        "systems.csv",
        {"system": "Trainium2 Teton2-PD-Ultra-3L"},
        chip_count="64",  # no source row states it
    )
    found = problems(raw_copy, "systems")
    assert any(
        "(system 'GB200 NVL72'), column 'chip_count', value '0': must be between 1 and 1000000" in p
        for p in found
    )
    assert any(
        "(system 'Trainium2 Teton2-PD-Ultra-3L'), column 'chip_count', value '64': "
        "every value needs a source row in system_sources.csv" in p
        for p in found
    )
    edit(
        raw_copy,
        "system_sources.csv",
        {"system": "Huawei CloudMatrix 384", "field": "chip_count"},
        system="CloudMatrix 768",
    )
    assert any(
        "column 'system', value 'CloudMatrix 768': system must exist in systems.csv" in p
        for p in problems(raw_copy, "system_sources")
    )


@pytest.mark.parametrize("value", ["0", "1e30", "1e-300", "inf", "-inf", "nan", "1e309"])
def test_implausible_bandwidth_is_refused_not_dropped_from_the_ranking(
    raw_copy: Path, value: str
) -> None:
    edit(raw_copy, "accelerators.csv", {"chip": "H100"}, hbm_tbps=value)
    [message] = problems(raw_copy, "accelerators")
    rule = (
        "must be a finite number"
        if value in ("inf", "-inf", "nan", "1e309")
        else "must be between "
    )
    assert message.startswith(
        f"{raw_copy / 'accelerators.csv'}, row 3 (chip 'H100'), column 'hbm_tbps', "
        f"value '{value}': {rule}"
    )


def test_tco_output_contracts_refuse_non_finite_numbers() -> None:
    """Every float column of every TCO table is held to be finite by its contract (the
    builder refuses inf, -inf and NaN before anything is written)."""
    import duckdb

    from pipelines.settings import SQL_DIR
    from pipelines.sqlmodels.build import contract_problems
    from pipelines.sqlmodels.contract import load_contracts

    tco = [c for c in load_contracts(SQL_DIR).values() if c.schema == "tco"]
    assert {c.table for c in tco} >= {"chip_tco", "tco_comparison", "cluster_comparison"}
    con = duckdb.connect()
    for contract in tco:
        doubles = [c for c in contract.columns if c.type == "DOUBLE"]
        assert doubles, contract.name
        column = doubles[0]
        for bad in ("inf", "-inf", "nan"):
            values = ", ".join(
                f"CAST('{bad}' AS DOUBLE) AS {c.name}"
                if c is column
                else f"CAST(NULL AS {c.type}) AS {c.name}"
                for c in contract.columns
            )
            problems = contract_problems(con, f"(SELECT {values})", contract)
            assert any("not a finite number" in p for p in problems), (contract.name, bad)
