"""``python -m minivec.data build [--out data] [--encoders NAME ...] [--force]``."""

import argparse


def main(argv=None):
    from .encoders import ENCODERS

    parser = argparse.ArgumentParser(prog="python -m minivec.data",
                                     description="Rebuild the shipped embeddings.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="embed the BBC sentences with the offline encoders")
    b.add_argument("--out", default="data", help="output folder (default: data)")
    b.add_argument("--encoders", nargs="+", choices=sorted(ENCODERS),
                   help="only these encoders (default: all)")
    b.add_argument("--force", action="store_true", help="recompute even if up to date")
    b.add_argument("--umap", action="store_true", help="only recompute the 2-D UMAP coordinates")
    args = parser.parse_args(argv)
    from .build import build, build_umap

    if not args.umap:
        build(args.out, args.encoders, args.force)
    build_umap(args.out)


if __name__ == "__main__":
    main()
