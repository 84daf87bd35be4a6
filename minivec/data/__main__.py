"""``python -m minivec.data build [--corpus NAME] [--out DIR] [--encoders NAME ...] [--force]``."""

import argparse


def main(argv=None):
    from .corpus import CORPORA
    from .encoders import ENCODERS

    parser = argparse.ArgumentParser(prog="python -m minivec.data",
                                     description="Rebuild the shipped embeddings.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="embed a corpus's sentences with the offline encoders")
    b.add_argument("--corpus", default="bbc", choices=sorted(CORPORA),
                   help="which corpus (default: bbc, BBC News)")
    b.add_argument("--out", help="output folder (default: data for bbc, data/<corpus> otherwise)")
    b.add_argument("--encoders", nargs="+", choices=sorted(ENCODERS),
                   help="only these encoders (default: all the corpus ships with)")
    b.add_argument("--force", action="store_true", help="recompute even if up to date")
    b.add_argument("--umap", action="store_true",
                   help="only recompute the 2-D UMAP coordinates (bbc only)")
    args = parser.parse_args(argv)
    source = CORPORA[args.corpus]
    if args.umap and not source.umap:
        parser.error(f"no UMAP coordinates are shipped for corpus {args.corpus!r}")
    out = args.out or ("data" if args.corpus == "bbc" else f"data/{args.corpus}")
    from .build import build, build_umap

    if not args.umap:
        build(out, args.encoders, args.force, corpus=args.corpus)
    if source.umap:
        build_umap(out)


if __name__ == "__main__":
    main()
