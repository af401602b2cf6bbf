"""`case-assist-check merge`: the results of several runs (CI shards) as one run."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from checker.errors import ConfigError
from checker.files import note_unwritten, write_atomic
from checker.models import RunResult
from checker.report.run import finish_run


def _load(path: Path) -> RunResult:
    target = path / "results.json" if path.is_dir() else path
    try:
        return RunResult.model_validate_json(target.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise ConfigError(
            f"{target}: not the results.json of a run ({str(exc).splitlines()[0]})",
            "pass results.json files or the report folders that hold them",
        ) from None


def merge_runs(paths: list[Path]) -> RunResult:
    runs = [_load(p) for p in paths]
    names: dict[str, Path] = {}
    for path, run in zip(paths, runs, strict=True):
        for scenario in run.scenarios:
            if scenario.name in names:
                raise ConfigError(
                    f"scenario {scenario.name!r} is in both {names[scenario.name]} and {path}",
                    "merge the shards of one run; each scenario runs in exactly one shard",
                )
            names[scenario.name] = path
    first = min(runs, key=lambda r: r.started_at)
    merged = first.model_copy(
        update={
            "scenarios": [s for r in runs for s in r.scenarios],
            "comparison": None,
            "history": [],
            "interrupted": any(r.interrupted for r in runs),
        }
    )
    return finish_run(merged, max(r.duration_s for r in runs))  # shards run side by side: the slowest is the run's


def copy_artefacts(paths: list[Path], target: Path) -> None:
    """Screenshots and traces of each shard, under the same relative paths (scenario names are unique). Each file is
    copied whole or not at all; one the disk cannot take is noted (`note_unwritten`, once per folder) and the
    others are still copied."""
    for path in paths:
        folder = path if path.is_dir() else path.parent
        for sub in ("screenshots", "traces"):
            if not (folder / sub).is_dir() or folder.resolve() == target.resolve():
                continue
            for source in sorted((folder / sub).rglob("*")):
                if not source.is_file():
                    continue
                copy = target / source.relative_to(folder)
                try:
                    write_atomic(copy, source.read_bytes())
                except OSError as exc:  # the disk is full, or the shard's file cannot be read
                    note_unwritten(copy, exc, group=copy.parent, noun="files")
