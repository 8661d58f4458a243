"""Learning from a review's decisions: features of each candidate's pixels, a classifier trained
from accept/reject/relabel, and its scores to order what is left (Qt-free)."""
