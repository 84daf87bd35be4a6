"""minivec: a teaching kit for mini-vec2vec, unsupervised alignment of embedding spaces.

Every stage of the method is a plain function; ``MiniVec2Vec`` chains them.
"""

from .anchors import (
    AnchorRun,
    anchor_ensemble,
    anchor_run,
    centroid_procrustes,
    relative_representation,
)
from .baselines import identity_map, random_orthogonal, supervised_procrustes
from .clustering import kmeans_centroids
from .estimator import METHODS, MiniVec2Vec
from .gromov import GWRound, GWStart, gw_start
from .metrics import Scores, evaluate, evaluate_mapped, nn_cosine
from .neighbors import knn_mean, topk
from .preprocess import Prepared, center_normalize, prepare, training_mean
from .procrustes import polar, procrustes, smooth
from .pseudo_pairs import pseudo_pairs
from .qap import QAPResult, centroid_similarity, match_centroids, qap_objective
from .refine import matching_objective, refine_clustering, refine_matching, refine_matching_step
from .transport import candidate_similarities, sinkhorn_plan, transport_step

__version__ = "0.1.0"

__all__ = [
    "METHODS", "AnchorRun", "GWRound", "GWStart", "MiniVec2Vec", "Prepared", "QAPResult",
    "Scores", "anchor_ensemble", "anchor_run", "candidate_similarities", "center_normalize",
    "centroid_procrustes", "centroid_similarity", "evaluate", "evaluate_mapped", "gw_start",
    "identity_map", "kmeans_centroids", "knn_mean", "match_centroids", "matching_objective",
    "nn_cosine",
    "polar", "prepare", "procrustes", "pseudo_pairs", "qap_objective", "random_orthogonal",
    "refine_clustering", "refine_matching", "refine_matching_step", "relative_representation",
    "sinkhorn_plan", "smooth", "supervised_procrustes", "topk", "training_mean",
    "transport_step",
]
