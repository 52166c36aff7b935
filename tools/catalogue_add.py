"""Add or replace one resource in data/datapackage.json.

    python tools/catalogue_add.py path/to/resource.json [more.json ...]

Each file holds one Frictionless resource descriptor (name, path, schema,
sources, licenses, extraction, ...). A resource with the same name is
replaced; otherwise it is appended. The catalogue is locked while it is
rewritten, so several authors can add datasets at the same time.
"""
import fcntl
import json
import sys
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "datapackage.json"


def add(resources: list[dict]) -> None:
    with open(CATALOGUE, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        package = json.load(fh)
        for res in resources:
            for key in ("name", "path", "schema", "sources", "licenses", "extraction"):
                if key not in res:
                    sys.exit(f"{res.get('name', '?')}: resource needs '{key}'")
            existing = [i for i, r in enumerate(package["resources"]) if r["name"] == res["name"]]
            if existing:
                package["resources"][existing[0]] = res
            else:
                package["resources"].append(res)
        fh.seek(0)
        fh.write(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
        fh.truncate()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    add([json.loads(Path(p).read_text(encoding="utf-8")) for p in sys.argv[1:]])
