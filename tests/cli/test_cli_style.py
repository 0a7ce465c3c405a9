"""The CLI speaks one way: `-h` is `--help`, a usage error is one `ringfence:` line and a pointer to the
help (exit 2), help shows defaults, `--output` still says what was written, and the text report says how
to fix what it found."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_scan_cli import EXAMPLE, ringfence


def test_dash_h_is_help_everywhere() -> None:
    for args in ((), ("scan",), ("iam", "can"), ("detect",)):
        short, long = ringfence(*args, "-h"), ringfence(*args, "--help")
        assert short.returncode == long.returncode == 0
        assert short.stdout == long.stdout and "Usage:" in short.stdout


def test_a_usage_error_is_one_line_in_the_common_style() -> None:
    for args, says in (
        (("scan", str(EXAMPLE), "--bogus"), "No such option: --bogus"),
        (("reach", str(EXAMPLE), "--from", "a", "--to", "b", "--port", "abc"), "'--port'"),
        (("iam", "can", str(EXAMPLE)), "Missing option"),
    ):
        done = ringfence(*args)
        assert done.returncode == 2, done
        first, *rest = done.stderr.strip().splitlines()
        assert first.startswith("ringfence: ") and says in first, done.stderr
        assert rest and rest[-1].startswith("see 'ringfence ") and rest[-1].endswith("--help'")
        assert "╭" not in done.stderr and "Traceback" not in done.stderr


def test_help_shows_defaults() -> None:
    text = ringfence("scan", "--help").stdout
    assert "[default: text]" in text
    assert "-h, --help" in text


def test_output_to_a_file_still_says_what_was_written(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    done = ringfence("scan", str(EXAMPLE), "--format", "sarif", "--output", str(target), "--fail-on", "none")
    assert done.returncode == 0 and target.stat().st_size > 0
    assert done.stdout == ""
    assert f"wrote the sarif report to {target}: " in done.stderr
    assert " resources, " in done.stderr and " checks: " in done.stderr


def test_the_text_report_says_how_to_fix_each_rule_once() -> None:
    text = ringfence("scan", str(EXAMPLE), "--fail-on", "none").stdout
    assert "How to fix" in text
    fixes = text.split("How to fix", 1)[1]
    lines = [line.strip() for line in fixes.splitlines()[1:] if line.startswith("  ") and ": " in line]
    rules = [line.split(":", 1)[0] for line in lines]
    assert "rds.storage-encrypted" in rules
    assert len(rules) == len(set(rules))


def test_every_option_of_every_command_says_what_it_is() -> None:
    import typer

    from ringfence.cli.app import app

    silent = []

    def walk(command: object, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
            return
        for param in getattr(command, "params", []):
            if (
                param.param_type_name == "option"
                and param.name != "help"
                and not getattr(param, "help", None)
            ):
                silent.append((" ".join(path), param.opts[0]))

    walk(typer.main.get_command(app), [])
    assert not silent
