"""Renders tiles of the synthetic slide at any downsample, as H&E stains would look.

Colour follows Beer-Lambert with Ruifrok & Johnston's stain vectors: each pixel is white
light absorbed by an amount of haematoxylin (nuclei, blue-purple) and eosin (cytoplasm and
fibres, pink). Textures are periodic noise in level-0 units, prefiltered per level.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from exact_desktop.demo.layout import MITOSIS, POPULATIONS, SlideLayout

HEMATOXYLIN = np.array([0.65, 0.70, 0.29], np.float32)
EOSIN = np.array([0.07, 0.99, 0.11], np.float32)
TEXTURE_PERIOD = 1024  # level-0 pixels
# per label (glass, tissue, tumour, stroma): eosin base, soft-noise amount, fibre amount, haematoxylin base
EOSIN_BASE = np.array([0.0, 0.32, 0.42, 0.16], np.float32)
EOSIN_SOFT = np.array([0.0, 0.10, 0.14, 0.04], np.float32)
EOSIN_FIBRE = np.array([0.0, 0.04, 0.0, 0.50], np.float32)
HEMA_BASE = np.array([0.0, 0.04, 0.16, 0.02], np.float32)
GLASS = np.uint8(244)
GLASS_OD = float(np.log(255 / 244))  # the slight grey of empty glass, so every tile agrees
# haematoxylin of the dark figures, by population: the mimics as dark as mitoses or darker
FIGURE_DENSITY = {MITOSIS: 2.2, MITOSIS + 1: 2.5, MITOSIS + 2: 2.1, MITOSIS + 3: 2.7}
APOPTOTIC = POPULATIONS.index("apoptotic_body")


def periodic_noise(rng: np.random.Generator, size: int, sigma_x: float, sigma_y: float) -> np.ndarray:
    """Gaussian-filtered white noise in the Fourier domain: seamless when tiled, scaled to [-1, 1]."""
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.fftfreq(size)[None, :]
    spectrum = np.fft.fft2(rng.standard_normal((size, size)))
    spectrum *= np.exp(-2 * math.pi**2 * ((fx * sigma_x) ** 2 + (fy * sigma_y) ** 2))
    noise = np.real(np.fft.ifft2(spectrum))
    return (noise / np.abs(noise).max()).astype(np.float32)


class TileRenderer:
    def __init__(self, layout: SlideLayout, downsample: float, seed: int = 11) -> None:
        self.layout, self.ds = layout, downsample
        rng = np.random.default_rng(seed)
        soft = periodic_noise(rng, TEXTURE_PERIOD, 24, 24)
        fibre = np.clip(np.tanh(3 * periodic_noise(rng, TEXTURE_PERIOD, 40, 2.5)), 0, 1)
        self.period = max(1, round(TEXTURE_PERIOD / downsample))
        size = (self.period, self.period)
        self.soft = cv2.resize(soft, size, interpolation=cv2.INTER_AREA)
        self.fibre = cv2.resize(fibre, size, interpolation=cv2.INTER_AREA)
        self.polygons = [(1, p / downsample) for p in layout.tissue] + [
            (2 if name == "tumor" else 3, p / downsample) for name, p in layout.regions
        ]
        self.boxes = [(p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()) for _, p in self.polygons]

    def tile(self, z_x: int, z_y: int, size: int) -> np.ndarray:
        """RGB pixels of the `size`-square tile whose top-left is (z_x, z_y) at this level."""
        labels = np.zeros((size, size), np.uint8)
        for (label, poly), (x0, y0, x1, y1) in zip(self.polygons, self.boxes, strict=True):
            if x1 >= z_x and x0 < z_x + size and y1 >= z_y and y0 < z_y + size:
                points = np.round((poly - (z_x, z_y)) * 16).astype(np.int32)
                cv2.fillPoly(labels, [points], int(label), shift=4)
        ds = self.ds
        nuclei = self.layout.nuclei_in(z_x * ds, z_y * ds, (z_x + size) * ds, (z_y + size) * ds)
        if not labels.any() and nuclei.size == 0:
            return np.full((size, size, 3), GLASS, np.uint8)
        rows = (z_y + np.arange(size)) % self.period
        cols = (z_x + np.arange(size)) % self.period
        soft = self.soft[np.ix_(rows, cols)]
        fibre = self.fibre[np.ix_(rows, cols)]
        eosin = EOSIN_BASE[labels] + EOSIN_SOFT[labels] * soft + EOSIN_FIBRE[labels] * fibre
        hema = HEMA_BASE[labels] * (1 + 0.5 * soft)
        nucleus, pink, clear = self._nuclei_density(nuclei, z_x, z_y, size, soft)
        hema = hema + nucleus
        eosin = (eosin * (1 - 0.6 * np.clip(nucleus, 0, 1)) + 0.7 * pink) * (1 - 0.7 * clear)
        od = hema[..., None] * HEMATOXYLIN + eosin[..., None] * EOSIN + GLASS_OD
        return np.clip(255 * np.exp(-od), 0, 255).astype(np.uint8)

    def _nuclei_density(
        self, idx: np.ndarray, z_x: int, z_y: int, size: int, texture: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Haematoxylin from nuclei (lymphocytes dense and dark, tumour nuclei paler with a rim,
        the figures darkest), the pink cytoplasm of apoptotic bodies and the clear one of mitoses."""
        lymph = np.zeros((size, size), np.uint8)
        tumour = np.zeros((size, size), np.uint8)
        figures = np.zeros((size, size), np.float32)
        pink = np.zeros((size, size), np.uint8)
        clear = np.zeros((size, size), np.uint8)
        n, ds = self.layout.nuclei, self.ds
        for i in idx:
            centre = (round((n.x[i] / ds - z_x) * 16), round((n.y[i] / ds - z_y) * 16))
            axes = (max(8, int(n.rx[i] / ds * 16)), max(8, int(n.ry[i] / ds * 16)))
            angle = float(n.angle[i])
            # a nucleus smaller than the half-pixel it is drawn as only tints that pixel
            coverage = min(1.0, 4 * float(n.rx[i] * n.ry[i]) / ds**2)
            if n.population[i] >= MITOSIS:
                population = int(n.population[i])
                halo = {MITOSIS: (clear, 1.6), APOPTOTIC: (pink, 1.75)}.get(population)
                if halo is not None:  # a mitosis rounds up in clear cytoplasm; an apoptotic body in pink
                    reach = round(axes[0] * halo[1])
                    cv2.ellipse(halo[0], centre, (reach, reach), 0, 0, 360, round(255 * coverage), -1, cv2.LINE_AA, 4)
                mask = np.zeros((size, size), np.uint8)
                self._figure(mask, population, centre, axes, angle, round(255 * coverage))
                np.maximum(figures, mask * (FIGURE_DENSITY[population] / 255), out=figures)
            elif n.population[i] == 0:
                cv2.ellipse(lymph, centre, axes, angle, 0, 360, round(255 * coverage), -1, cv2.LINE_AA, 4)
            else:
                cv2.ellipse(tumour, centre, axes, angle, 0, 360, round(150 * coverage), -1, cv2.LINE_AA, 4)
                if coverage == 1.0:
                    rim = max(1, round(1.2 / ds))
                    cv2.ellipse(tumour, centre, axes, angle, 0, 360, 255, rim, cv2.LINE_AA, 4)
        chromatin = 1 + 0.35 * texture
        nucleus = (lymph.astype(np.float32) * (1.7 / 255)) + tumour.astype(np.float32) * (1.05 / 255) * chromatin
        clear_f = clear.astype(np.float32) / 255
        return np.maximum(nucleus * (1 - clear_f), figures), pink.astype(np.float32) / 255, clear_f

    @staticmethod
    def _figure(
        mask: np.ndarray, population: int, centre: tuple[int, int], axes: tuple[int, int], angle: float, value: int
    ) -> None:
        """A mimic is a dark ellipse; a mitosis a dark bar with chromosome arms sticking out of it."""
        cv2.ellipse(mask, centre, axes, angle, 0, 360, value, -1, cv2.LINE_AA, 4)
        if population != MITOSIS:
            return
        t = math.radians(angle)
        for k in (-0.7, -0.25, 0.25, 0.7):
            along = (centre[0] + round(k * axes[0] * math.cos(t)), centre[1] + round(k * axes[0] * math.sin(t)))
            arm = (max(8, axes[1] // 2), max(8, axes[1] * 2))
            cv2.ellipse(mask, along, arm, angle + 15 * k, 0, 360, value, -1, cv2.LINE_AA, 4)
