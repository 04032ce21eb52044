#!/usr/bin/env python3
"""Every public or package symbol of the daemon's modules has a `///` comment saying what it is and why.

Lists the declarations without one and exits 1 if there are any. Run by scripts/test.sh.
Left out: the fuzz targets, the test support, the benchmarks and load generator (tools, not the product), and
implementations of protocol requirements whose meaning the protocol gives (`run()` of a `Service`,
`encode(to:)`, the channel handler callbacks, a `MetricsFactory`'s `make…`/`destroy…`, `description`, `==`, `<`,
`hash(into:)`).
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIPPED_FOLDERS = {"FuzzPayloads", "FuzzRequests", "FuzzSupport", "TestSupport", "StoreBenchmark",
                   "AlertLatencyBenchmark", "LoadGenerator"}
DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(public|package)\s+"
    r"(?:static |final |override |mutating |nonisolated |private\(set\) |lazy |convenience |required )*"
    r"(struct|enum|class|actor|protocol|typealias|func|var|let|init|subscript)\b")
REQUIREMENT = re.compile(
    r"func (run|encode|handle|channelRead|channelActive|channelInactive|channelWritabilityChanged|"
    r"userInboundEventTriggered|handlerAdded|handlerRemoved|write|flush|errorCaught|setup|respond)\(|"
    r"init\(from decoder|var description|typealias (InboundIn|InboundOut|OutboundIn|OutboundOut|Value)|"
    r"func hash\(|static func ==|static func <|"
    r"func (make|destroy)(Counter|FloatingPointCounter|Recorder|Meter|Timer)\(")


def undocumented():
    for path in sorted((ROOT / "Sources").rglob("*.swift")):
        if path.parent.name in SKIPPED_FOLDERS:
            continue
        lines = path.read_text().split("\n")
        for index, line in enumerate(lines):
            if not DECLARATION.match(line) or REQUIREMENT.search(line):
                continue
            above = index - 1
            while above >= 0 and re.match(r"^\s*@", lines[above]):
                above -= 1
            if above < 0 or not lines[above].strip().startswith("///"):
                yield path.relative_to(ROOT), index + 1, line.strip()


def main():
    found = list(undocumented())
    for path, line, text in found:
        print(f"{path}:{line}: no doc comment: {text[:100]}")
    if found:
        print(f"{len(found)} public or package declarations without a /// comment", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
