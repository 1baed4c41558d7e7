"""Regenerate fractafrag/data/corpus/generated.txt by recombining hand-written fragments,
deterministically (seeded).

The desire board's TF-IDF fallback and its quality checks read generated.txt from the package;
this script, its source, is not shipped (it lived inside the wheel before). tests/test_corpus.py
checks that running it gives generated.txt byte for byte, so an edit here comes with the
regenerated file:  python scripts/generate_corpus.py

Long (~1,700 lines) because it is mostly data: the hand-written subjects, phrases, moods and
sentence templates the documents are recombined from, kept beside the few functions that draw
from them so one seed reproduces the file.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

OUTPUT = (Path(__file__).resolve().parent.parent / "fractafrag" / "data" / "corpus"
          / "generated.txt")
SEED = 20240611
DOCUMENTS = 6000

# Each subject: title nouns, phrases that name it, sentences that describe it, and the
# techniques it plausibly goes with (so the recombined text stays believable).
SUBJECTS: dict[str, dict[str, list[str]]] = {
    "ocean": {
        "nouns": ["Tides", "Swell", "Open Sea", "Breakers", "Surf", "Seascape"],
        "phrases": [
            "a rolling ocean", "the open sea", "waves breaking on a beach", "a stormy sea",
            "long ocean swell", "surf crashing against rocks", "a choppy sea under wind",
            "a calm sea with gentle waves",
        ],
        "details": [
            "Foam gathers on the crests and slides down the back of each wave.",
            "Spray is torn off the tops of the waves by the wind.",
            "The swell lifts and falls slowly, and the horizon glows.",
            "Light scatters through the thin water near the wave tips.",
            "The water is deep blue far away and turquoise in the shallows.",
            "Whitecaps appear and vanish across the whole sea.",
        ],
        "techniques": ["raymarch", "fbm", "noise", "palette", "pixel", "post", "volumetric"],
    },
    "clouds": {
        "nouns": ["Clouds", "Cumulus", "Sky", "Cloudscape", "Overcast"],
        "phrases": [
            "fluffy clouds", "drifting clouds", "a sky full of cumulus",
            "clouds rolling over the hills", "a sea of clouds", "thin wispy clouds",
            "towering storm clouds",
        ],
        "details": [
            "The clouds are lit from behind and their edges glow.",
            "Shadows of the clouds slide over the ground below.",
            "The cloud tops billow and slowly change shape.",
            "Light leaks through gaps in the cloud layer.",
            "Thin clouds near the sun turn bright and warm.",
        ],
        "techniques": ["fbm", "volumetric", "raymarch", "domainwarp", "noise", "pixel"],
    },
    "fire": {
        "nouns": ["Flames", "Inferno", "Bonfire", "Embers", "Blaze"],
        "phrases": [
            "a roaring fire", "flickering flames", "a campfire with sparks",
            "a wall of fire", "glowing embers", "a burning torch", "a candle flame",
        ],
        "details": [
            "Sparks rise and fade as they cool.",
            "The flames lick upward and curl into smoke.",
            "A warm orange glow lights everything around it.",
            "The core is white hot and the tips turn deep red.",
            "Embers drift on the hot air and blink out.",
        ],
        "techniques": ["fbm", "noise", "domainwarp", "particles", "glow", "pixel", "feedback"],
    },
    "aurora": {
        "nouns": ["Aurora", "Northern Lights", "Polar Night", "Sky Curtains"],
        "phrases": [
            "the northern lights", "aurora borealis", "green aurora curtains",
            "an aurora over snowy mountains", "aurora rippling above a frozen lake",
        ],
        "details": [
            "Green and violet curtains ripple slowly across the stars.",
            "The aurora folds and brightens in waves.",
            "Its glow is reflected in the still water below.",
            "Faint stars shine through the thin light.",
        ],
        "techniques": ["fbm", "noise", "volumetric", "raymarch", "glow", "palette"],
    },
    "terrain": {
        "nouns": ["Ridges", "Highlands", "Peaks", "Valley", "Range", "Canyon"],
        "phrases": [
            "snowy mountains", "a mountain range", "rolling hills", "a rocky canyon",
            "a misty valley", "jagged peaks", "an endless landscape", "eroded cliffs",
        ],
        "details": [
            "Snow settles on the flat ledges while rock shows on the steep faces.",
            "Mist fills the valleys between the ridges.",
            "The camera glides low over the ground like a drone.",
            "Long shadows stretch across the slopes.",
            "Distant peaks fade into blue haze.",
        ],
        "techniques": ["raymarch", "fbm", "noise", "volumetric", "post", "pixel"],
    },
    "forest": {
        "nouns": ["Forest", "Woods", "Grove", "Pines", "Canopy"],
        "phrases": [
            "a pine forest", "a misty forest", "an enchanted forest", "a bamboo grove",
            "an autumn forest", "a dense jungle", "tall trees in fog",
        ],
        "details": [
            "Light filters down between the trunks in long beams.",
            "Leaves flutter and drift to the ground.",
            "Fog hangs between the trees and hides the distance.",
            "Moss and ferns cover the forest floor.",
            "The branches sway gently in the wind.",
        ],
        "techniques": ["raymarch", "sdf", "fbm", "volumetric", "pixel", "particles", "noise"],
    },
    "rain": {
        "nouns": ["Rain", "Downpour", "Drizzle", "Wet Streets", "Raindrops"],
        "phrases": [
            "rain on a window", "heavy rain in the city", "raindrops on glass",
            "a rainy street at night", "drizzle over a lake", "rain falling through lamplight",
        ],
        "details": [
            "Drops slide down the pane and merge into streaks.",
            "Puddles ripple and reflect the lights above.",
            "Each drop refracts a blurred view of the street behind it.",
            "Streaks of rain catch the light as they fall.",
        ],
        "techniques": ["noise", "tiling", "post", "particles", "raymarch", "pixel", "feedback"],
    },
    "snow": {
        "nouns": ["Snowfall", "Winter", "Blizzard", "Frost", "Snowdrift"],
        "phrases": [
            "falling snow", "a snowy night", "a winter village", "a blizzard",
            "snow drifting past a street lamp", "frost on glass", "a frozen lake",
        ],
        "details": [
            "Flakes fall in layers at different speeds.",
            "Everything is blue and silver under the moon.",
            "The snow glitters where the light hits it.",
            "Wind pushes the flakes sideways in gusts.",
            "Frost crystals creep across the surface.",
        ],
        "techniques": ["particles", "tiling", "noise", "pixel", "raymarch", "post"],
    },
    "space": {
        "nouns": ["Starfield", "Deep Space", "Cosmos", "Void", "Orbit"],
        "phrases": [
            "a starfield", "deep space", "stars streaking past", "a warp speed jump",
            "a quiet starry sky", "a field of distant stars",
        ],
        "details": [
            "Stars twinkle and drift past at different depths.",
            "A faint band of the galaxy crosses the sky.",
            "The darkness between the stars feels enormous.",
            "Bright stars leave short streaks as the camera moves.",
        ],
        "techniques": ["particles", "tiling", "noise", "glow", "post", "pixel", "tunnel"],
    },
    "nebula": {
        "nouns": ["Nebula", "Star Nursery", "Gas Clouds", "Pillars"],
        "phrases": [
            "a colourful nebula", "glowing gas clouds in space", "a cosmic dust cloud",
            "pillars of gas and dust", "a nebula with newborn stars",
        ],
        "details": [
            "Pink and teal gas glows around dark lanes of dust.",
            "Young stars light up the clouds from inside.",
            "The gas swirls slowly as the camera drifts through.",
            "Thin filaments of dust absorb the light behind them.",
        ],
        "techniques": ["volumetric", "fbm", "domainwarp", "raymarch", "noise", "glow"],
    },
    "galaxy": {
        "nouns": ["Galaxy", "Spiral", "Milky Way", "Star Cluster"],
        "phrases": [
            "a spiral galaxy", "the milky way", "two galaxies colliding", "a rotating galaxy",
        ],
        "details": [
            "Blue arms wind around a warm yellow core.",
            "Dust lanes cut across the bright arms.",
            "Millions of stars rotate slowly around the centre.",
        ],
        "techniques": ["noise", "fbm", "polar", "particles", "volumetric", "glow"],
    },
    "planet": {
        "nouns": ["Planet", "Moon", "Gas Giant", "World", "Ringworld"],
        "phrases": [
            "a ringed planet", "a gas giant with storms", "a rocky moon",
            "a planet seen from orbit",
            "an ocean planet", "a red desert planet",
        ],
        "details": [
            "A thin blue atmosphere glows along the edge of the planet.",
            "Bands of cloud swirl around the equator.",
            "The rings cast a sharp shadow on the surface.",
            "Craters and mountains catch the low sunlight.",
        ],
        "techniques": ["raymarch", "sdf", "fbm", "noise", "volumetric", "post"],
    },
    "blackhole": {
        "nouns": ["Event Horizon", "Singularity", "Black Hole", "Accretion"],
        "phrases": [
            "a black hole", "a black hole with an accretion disk",
            "gravitational lensing around a black hole",
        ],
        "details": [
            "Light from the stars behind bends around the dark centre.",
            "The accretion disk glows white near the centre and red at the edge.",
            "One side of the disk is brighter as it moves towards us.",
        ],
        "techniques": ["raymarch", "noise", "glow", "volumetric", "post"],
    },
    "desert": {
        "nouns": ["Dunes", "Desert", "Oasis", "Mirage", "Sands"],
        "phrases": [
            "desert dunes", "a sand sea", "an oasis in the desert", "a desert at night",
            "dunes under a hot sun",
        ],
        "details": [
            "Wind blows sand off the ridges in thin veils.",
            "Ripples cover the sand and shift slowly.",
            "Heat haze makes the horizon shimmer.",
            "The dunes are orange on the lit side and purple in shadow.",
        ],
        "techniques": ["raymarch", "fbm", "noise", "pixel", "post"],
    },
    "underwater": {
        "nouns": ["Depths", "Reef", "Abyss", "Lagoon", "Kelp"],
        "phrases": [
            "an underwater scene", "a coral reef", "the deep sea", "a kelp forest",
            "sunlight under the waves", "a sunken shipwreck",
        ],
        "details": [
            "Shafts of light pierce the water and sway.",
            "Caustics dance over the sand below.",
            "Tiny particles drift in the blue water.",
            "Fish dart between the rocks.",
            "The deep water fades from blue to black.",
        ],
        "techniques": ["raymarch", "voronoi", "noise", "volumetric", "particles", "sdf"],
    },
    "lava": {
        "nouns": ["Lava", "Magma", "Volcano", "Eruption", "Molten Core"],
        "phrases": [
            "flowing lava", "a volcano erupting", "rivers of magma", "cooling lava crust",
            "a lava lake",
        ],
        "details": [
            "The crust cracks and glowing rock shows through.",
            "Rivers of molten rock glow bright orange.",
            "Ash clouds rise into a red sky.",
            "The cooler crust turns black while the cracks stay hot.",
        ],
        "techniques": ["voronoi", "fbm", "noise", "domainwarp", "raymarch", "glow"],
    },
    "city": {
        "nouns": ["Neon City", "Skyline", "Alley", "Downtown", "Megacity"],
        "phrases": [
            "a neon city at night", "a cyberpunk street", "a city skyline", "a rainy neon alley",
            "endless skyscrapers", "a futuristic city",
        ],
        "details": [
            "Signs glow pink and blue and reflect in the wet street.",
            "Windows flicker on and off in the towers.",
            "Flying cars streak between the buildings.",
            "Steam rises from vents into the neon light.",
        ],
        "techniques": ["raymarch", "sdf", "tiling", "glow", "post", "pixel", "noise"],
    },
    "sunset": {
        "nouns": ["Sunset", "Dusk", "Golden Hour", "Twilight", "Afterglow"],
        "phrases": [
            "a sunset over the water", "a dusk sky", "the sun going down behind hills",
            "the last light of the evening", "a glowing sunset", "a sunset with layered clouds",
        ],
        "details": [
            "The sky fades from orange at the horizon to deep violet above.",
            "The sun sinks and the clouds catch fire.",
            "Long warm light lies across everything.",
            "Silhouettes stand out against the bright sky.",
        ],
        "techniques": ["fbm", "volumetric", "raymarch", "palette", "pixel", "noise"],
    },
    "night": {
        "nouns": ["Moonrise", "Night Sky", "Midnight", "Moonlight"],
        "phrases": [
            "a moonlit night", "the moon rising over the sea", "a starry night sky",
            "a crescent moon over hills", "a full moon in the clouds",
        ],
        "details": [
            "A silver path of moonlight lies on the water.",
            "Stars fill the sky above the dark hills.",
            "Clouds drift across the face of the moon.",
        ],
        "techniques": ["noise", "fbm", "particles", "raymarch", "pixel"],
    },
    "water": {
        "nouns": ["Pond", "Lake", "Ripples", "Stream", "Pool"],
        "phrases": [
            "a quiet pond", "ripples on a lake", "a clear stream", "a swimming pool",
            "raindrops hitting still water", "a river in a valley",
        ],
        "details": [
            "Rings spread outward and overlap.",
            "The pool floor shimmers with caustics.",
            "Reflections wobble on the surface.",
            "The water is so clear you can see the stones below.",
        ],
        "techniques": ["feedback", "noise", "voronoi", "raymarch", "multipass", "tiling"],
    },
    "waterfall": {
        "nouns": ["Waterfall", "Cascade", "Falls"],
        "phrases": ["a waterfall in a gorge", "a cascade over mossy rocks", "a tall waterfall"],
        "details": [
            "Spray and mist drift away from the falls.",
            "White water tumbles down the rocks.",
            "A rainbow hangs in the mist.",
        ],
        "techniques": ["noise", "fbm", "particles", "pixel", "raymarch"],
    },
    "ice": {
        "nouns": ["Glacier", "Ice Cave", "Crystals", "Geode", "Frozen"],
        "phrases": [
            "an ice cave", "glowing crystals", "a crystal geode", "a glacier",
            "shards of ice", "an amethyst cave",
        ],
        "details": [
            "Light glows softly through the translucent ice.",
            "Facets sparkle as the camera turns.",
            "Cracks glow deep blue inside the ice.",
        ],
        "techniques": ["raymarch", "sdf", "voronoi", "noise", "post"],
    },
    "smoke": {
        "nouns": ["Smoke", "Vapour", "Incense", "Mist", "Haze"],
        "phrases": [
            "curling smoke", "incense smoke rising", "swirling mist", "a column of steam",
            "ink spreading in water",
        ],
        "details": [
            "Thin wisps twist and fold over each other.",
            "The plume rises and breaks into swirls.",
            "The smoke thins out and disappears at the top.",
        ],
        "techniques": ["fbm", "domainwarp", "volumetric", "feedback", "noise", "multipass"],
    },
    "storm": {
        "nouns": ["Storm", "Thunder", "Lightning", "Tempest"],
        "phrases": [
            "a thunderstorm", "lightning over the sea", "a storm rolling in",
            "forked lightning at night",
        ],
        "details": [
            "Lightning flashes light the clouds from inside.",
            "Dark clouds churn and the wind picks up.",
            "Bolts branch across the sky and fade.",
        ],
        "techniques": ["fbm", "noise", "glow", "volumetric", "raymarch"],
    },
    "flowers": {
        "nouns": ["Blossom", "Garden", "Petals", "Bloom", "Meadow"],
        "phrases": [
            "cherry blossoms", "a flower blooming", "a meadow of wildflowers", "falling petals",
            "a garden in spring",
        ],
        "details": [
            "Petals drift on the breeze and land on the grass.",
            "The flower opens slowly, petal by petal.",
            "Bees hover between the flowers in the sun.",
        ],
        "techniques": ["polar", "sdf", "particles", "noise", "raymarch", "pixel"],
    },
    "cells": {
        "nouns": ["Cells", "Membrane", "Microbes", "Tissue", "Colony"],
        "phrases": [
            "living cells", "cells under a microscope", "organic cells dividing",
            "a colony of microbes", "bubbling cells",
        ],
        "details": [
            "Membranes glow where neighbouring cells touch.",
            "Each cell drifts and wobbles on its own.",
            "The cells split and merge slowly.",
        ],
        "techniques": ["voronoi", "reaction", "noise", "feedback", "glow"],
    },
    "coral": {
        "nouns": ["Coral", "Growth", "Patterns", "Skin", "Labyrinth"],
        "phrases": [
            "coral-like growth", "spots and stripes like animal skin", "a maze of worm patterns",
            "brain coral folds", "leopard rosettes",
        ],
        "details": [
            "The pattern grows from a few seeds and fills the screen.",
            "Spots split into stripes and stripes into mazes.",
            "It never settles and keeps slowly changing.",
        ],
        "techniques": ["reaction", "feedback", "multipass", "palette"],
    },
    "tunnel": {
        "nouns": ["Tunnel", "Wormhole", "Tube", "Corridor", "Vortex"],
        "phrases": [
            "an endless tunnel", "a twisting wormhole", "a neon corridor", "a tube of light",
            "a spinning vortex",
        ],
        "details": [
            "The walls rush past faster and faster.",
            "The tunnel bends and twists as you fly through it.",
            "Rings of light pulse towards the camera.",
            "The far end fades into a bright point.",
        ],
        "techniques": ["tunnel", "polar", "tiling", "glow", "raymarch", "audio", "demo"],
    },
    "mandelbrot": {
        "nouns": ["Mandelbrot", "Deep Zoom", "Seahorse Valley", "Escape"],
        "phrases": [
            "a mandelbrot zoom", "an endless zoom into the mandelbrot set", "the seahorse valley",
            "the mandelbrot set", "a deep fractal zoom",
        ],
        "details": [
            "Spirals and tiny copies of the set appear at every depth.",
            "Filaments curl into seahorse tails.",
            "The zoom keeps going and the detail never ends.",
        ],
        "techniques": ["fractal", "palette", "post"],
    },
    "julia": {
        "nouns": ["Julia", "Julia Set", "Dust", "Morph"],
        "phrases": [
            "a morphing julia set", "julia fractals", "a julia set drifting",
            "a julia set on mouse",
        ],
        "details": [
            "The shape breaks into dust and joins up again as c moves.",
            "Spiral arms grow and shrink with the constant.",
        ],
        "techniques": ["fractal", "palette", "glow"],
    },
    "mandelbulb": {
        "nouns": ["Mandelbulb", "Bulb", "Fractal Bloom", "Sponge", "Cathedral"],
        "phrases": [
            "a mandelbulb", "a menger sponge", "a 3d fractal", "an apollonian gasket",
            "a kaleidoscopic ifs fractal", "a sierpinski pyramid",
        ],
        "details": [
            "The surface is covered in bulbs within bulbs.",
            "Holes within holes go down forever.",
            "The camera drifts through the fractal structure like a cave.",
        ],
        "techniques": ["raymarch", "sdf", "palette", "post", "kaleidoscope"],
    },
    "mandala": {
        "nouns": ["Mandala", "Kaleidoscope", "Rosette", "Symmetry"],
        "phrases": [
            "a kaleidoscope", "a rotating mandala", "a symmetric rosette",
            "mirrored patterns", "a kaleidoscopic flower",
        ],
        "details": [
            "Every shape is repeated around the centre in mirrored slices.",
            "The pattern folds in on itself and blooms outward.",
            "Lines meet at the centre and form a star.",
        ],
        "techniques": ["kaleidoscope", "polar", "palette", "glow", "fractal"],
    },
    "plasma": {
        "nouns": ["Plasma", "Lava Lamp", "Psychedelia", "Swirl"],
        "phrases": [
            "a plasma effect", "a retro plasma", "a psychedelic swirl", "melting colours",
            "interfering sine waves",
        ],
        "details": [
            "Colours flow into each other endlessly.",
            "Bands of colour bend and cycle.",
            "It moves like oil on water.",
        ],
        "techniques": ["palette", "demo", "domainwarp", "noise"],
    },
    "grid": {
        "nouns": ["Grid", "Tiles", "Hexagons", "Mosaic", "Pattern"],
        "phrases": [
            "a hexagon grid", "a tiled pattern", "truchet tiles", "a checkerboard",
            "a mosaic of tiles", "a geometric tiling",
        ],
        "details": [
            "Each tile flips or lights up on its own timer.",
            "Waves of colour ripple across the cells.",
            "The lines join up across tiles into long paths.",
        ],
        "techniques": ["tiling", "palette", "glow", "sdf2d", "noise"],
    },
    "blobs": {
        "nouns": ["Blobs", "Metaballs", "Goo", "Liquid", "Mercury"],
        "phrases": [
            "merging metaballs", "blobs melting together", "liquid chrome blobs",
            "a lava lamp", "gooey drops",
        ],
        "details": [
            "The blobs stretch and merge where they meet.",
            "They split apart again with a soft neck.",
            "The surface reflects the room like mercury.",
        ],
        "techniques": ["sdf", "raymarch", "sdf2d", "glow", "palette"],
    },
    "particles": {
        "nouns": ["Fireflies", "Swarm", "Sparks", "Dust", "Motes"],
        "phrases": [
            "fireflies in the dark", "a particle swarm", "glowing sparks", "floating dust motes",
            "fireworks over a city",
        ],
        "details": [
            "They leave fading trails behind them.",
            "Each one glows and blinks at its own pace.",
            "They swirl around the cursor and scatter.",
        ],
        "techniques": ["particles", "feedback", "glow", "multipass"],
    },
    "ink": {
        "nouns": ["Ink", "Marble", "Flow", "Currents", "Fluid"],
        "phrases": [
            "flowing ink", "marbled paper", "swirling fluid", "stirred paint", "liquid marble",
        ],
        "details": [
            "Colours fold into thin streaks and spirals.",
            "The fluid keeps swirling without mixing into grey.",
            "Veins of colour run through the surface.",
        ],
        "techniques": ["domainwarp", "fbm", "feedback", "multipass", "noise"],
    },
    "retro": {
        "nouns": ["Retro Sun", "Grid Drive", "Outrun", "Horizon", "Arcade"],
        "phrases": [
            "a retro sun over a neon grid", "a wireframe landscape", "an outrun highway",
            "an arcade screen", "a synthwave road",
        ],
        "details": [
            "The grid scrolls towards a striped setting sun.",
            "Palm trees slide past in silhouette.",
            "Chrome letters shine above the horizon.",
        ],
        "techniques": ["post", "glow", "tiling", "sdf2d", "demo", "audio"],
    },
    "pixelgame": {
        "nouns": ["Pixel Castle", "Invaders", "Platformer", "Dungeon", "Sprites"],
        "phrases": [
            "pixel art space invaders", "an 8-bit castle", "a platformer level",
            "a pixel dungeon", "a tiny pixel town",
        ],
        "details": [
            "Sprites bob up and down in chunky pixels.",
            "Everything uses a four colour palette.",
            "The background scrolls in parallax layers.",
        ],
        "techniques": ["pixel", "tiling", "post"],
    },
    "abstract": {
        "nouns": ["Shapes", "Lines", "Forms", "Composition", "Study"],
        "phrases": [
            "abstract shapes", "flowing lines", "circles and squares", "overlapping stripes",
            "a minimal composition", "ribbons twisting in space",
        ],
        "details": [
            "Shapes slide, rotate and overlap with perfect timing.",
            "The lines bend into each other and bounce back.",
            "Nothing is random, everything follows a rhythm.",
        ],
        "techniques": ["sdf2d", "palette", "polar", "tiling", "raymarch", "audio"],
    },
    "glitch": {
        "nouns": ["Glitch", "Signal", "Static", "Broadcast", "Datamosh"],
        "phrases": [
            "a glitch effect", "an old tv signal", "corrupted video", "a broken screen",
            "vhs static",
        ],
        "details": [
            "Blocks of the image jump sideways and colours split apart.",
            "Scanlines roll and the picture tears.",
            "Noise flickers over everything for a moment.",
        ],
        "techniques": ["post", "noise", "tiling", "audio"],
    },
    "portal": {
        "nouns": ["Portal", "Rift", "Gate", "Summoning", "Spell"],
        "phrases": [
            "a magic portal", "a glowing rift", "a summoning circle", "a spell being cast",
        ],
        "details": [
            "Sparks spiral inward towards the centre.",
            "Runes rotate around the edge in rings.",
            "Energy crackles around the rim.",
        ],
        "techniques": ["polar", "glow", "noise", "particles", "fbm"],
    },
    "machine": {
        "nouns": ["Circuit", "Machine", "Reactor", "Engine", "Data"],
        "phrases": [
            "a glowing circuit board", "a spaceship engine", "a data stream",
            "a sci-fi reactor core", "a hologram interface",
        ],
        "details": [
            "Pulses of light race along the traces.",
            "Panels light up in sequence.",
            "Lines of data scroll past and flicker.",
        ],
        "techniques": ["tiling", "glow", "sdf", "raymarch", "post"],
    },
}

# Each technique: adjectives/phrases that name it and sentences that explain it.
TECHNIQUES: dict[str, dict[str, list[str]]] = {
    "raymarch": {
        "phrases": [
            "raymarched", "made with raymarching", "ray marched in a fragment shader",
            "sphere traced", "rendered with a raymarcher", "using ray marching",
        ],
        "details": [
            "Each ray steps forward by the distance to the nearest surface.",
            "The raymarcher takes up to a hundred steps per pixel.",
            "Normals come from the gradient of the distance function.",
            "Soft shadows and ambient occlusion come from extra marches.",
            "The camera orbits slowly and the ray origin follows the mouse.",
        ],
    },
    "sdf": {
        "phrases": [
            "built from signed distance fields", "modelled with SDFs", "made of distance functions",
            "with smooth unions of SDF shapes",
        ],
        "details": [
            "The shapes are spheres, boxes and tori blended with a smooth minimum.",
            "Distance functions are combined with min, max and smooth blends.",
            "Repetition of the domain makes infinite copies.",
        ],
    },
    "sdf2d": {
        "phrases": ["drawn with 2D distance functions", "made from 2D SDF shapes", "in flat 2D"],
        "details": [
            "Every shape is a 2D distance function, so edges stay crisp at any size.",
            "Outlines and glows come straight from the distance.",
        ],
    },
    "fbm": {
        "phrases": [
            "made with fbm", "built from fractal noise", "using fractal brownian motion",
            "with layered octaves of noise", "from fbm noise",
        ],
        "details": [
            "Six octaves of noise are stacked, each at twice the frequency and half the amplitude.",
            "The octaves are rotated to avoid grid artefacts.",
            "Fewer octaves are used far away to keep it fast.",
        ],
    },
    "domainwarp": {
        "phrases": [
            "with domain warping", "domain warped", "using warped noise", "with fbm warping fbm",
        ],
        "details": [
            "The noise coordinates are pushed around by another noise, which gives fluid swirls.",
            "Two levels of warping make it look like marble or smoke.",
        ],
    },
    "noise": {
        "phrases": [
            "driven by noise", "from procedural noise", "with value noise", "using simplex noise",
            "with gradient noise",
        ],
        "details": [
            "A small hash function feeds value noise, so no textures are needed.",
            "Noise sets the shape, and a second noise adds small detail.",
            "Animated noise keeps everything moving gently.",
        ],
    },
    "voronoi": {
        "phrases": [
            "based on voronoi cells", "using worley noise", "from cellular noise",
            "with a voronoi pattern",
        ],
        "details": [
            "The distance to the nearest and second nearest points draws the cell borders.",
            "Each cell gets a random colour from a hash of its id.",
            "The feature points drift slowly so the cells breathe.",
        ],
    },
    "reaction": {
        "phrases": [
            "as a reaction diffusion simulation", "with gray scott reaction diffusion",
            "grown by reaction diffusion",
        ],
        "details": [
            "Two chemicals diffuse and react in a buffer every frame.",
            "Changing the feed and kill rates changes spots into stripes.",
            "The simulation runs several steps per frame for speed.",
        ],
    },
    "feedback": {
        "phrases": [
            "with a feedback buffer", "using frame feedback", "with trails from a feedback loop",
        ],
        "details": [
            "A buffer reads its own previous frame and fades it slightly.",
            "The last frame is blended in, leaving long trails.",
        ],
    },
    "multipass": {
        "phrases": ["in several buffers", "as a multipass simulation", "using buffer passes"],
        "details": [
            "One buffer simulates and the image pass shades the result.",
            "The work is split across passes that read each other.",
        ],
    },
    "kaleidoscope": {
        "phrases": [
            "with kaleidoscopic folding", "folded into a kaleidoscope", "with mirror symmetry",
            "using polar mirroring",
        ],
        "details": [

            "The angle is folded into one sector and mirrored, so everything repeats around the "
            "centre.",
            "Space is folded again and again with abs and rotations.",
        ],
    },
    "polar": {
        "phrases": ["in polar coordinates", "with radial symmetry", "using angle and radius"],
        "details": [
            "Angle and radius drive the pattern instead of x and y.",
            "Rings and spokes come from the polar coordinates.",
        ],
    },
    "tunnel": {
        "phrases": ["with a classic tunnel mapping", "as a demoscene tunnel", "mapped onto a tube"],
        "details": [
            "The angle becomes one texture coordinate and one over the radius the other.",
            "Scrolling the depth coordinate makes the walls fly past.",
        ],
    },
    "fractal": {
        "phrases": [
            "from fractal iteration", "with escape time colouring", "using orbit traps",
            "with a smooth iteration count",
        ],
        "details": [
            "Each pixel iterates z squared plus c until it escapes.",
            "An orbit trap colours the points by how close they pass to a circle.",
            "Smooth iteration counts remove the banding.",
        ],
    },
    "palette": {
        "phrases": [
            "with a cosine palette", "with cycling colours", "with a smooth gradient palette",
        ],
        "details": [
            "Colours come from a cosine palette that cycles slowly over time.",
            "The palette maps a single value to a smooth gradient.",
        ],
    },
    "post": {
        "phrases": [
            "with film grain and bloom", "with a crt filter", "with chromatic aberration",
            "with post processing", "with tone mapping and vignette",
        ],
        "details": [
            "Bloom, grain and a vignette finish the image.",
            "Scanlines and a curved screen make it look like an old monitor.",
            "Gamma correction and tone mapping keep the highlights soft.",
        ],
    },
    "audio": {
        "phrases": [
            "that reacts to music", "audio reactive", "synced to the beat", "driven by the fft",
        ],
        "details": [
            "The bass makes it pulse and the treble adds sparkle.",
            "The spectrum from the sound input drives the motion.",
        ],
    },
    "pixel": {
        "phrases": [
            "in pixel art", "in chunky pixels", "as 8-bit pixel art",
            "with a low resolution pixel look",
        ],
        "details": [
            "Coordinates are snapped to a coarse grid and colours to a tiny palette.",
            "Dithering fakes the gradients with only a few colours.",
        ],
    },
    "demo": {
        "phrases": ["in demoscene style", "like an old demo effect", "as an oldschool intro"],
        "details": [
            "It is a tribute to the intros of the early nineties.",
            "Cheap tricks from old hardware, but smooth at any resolution.",
        ],
    },
    "volumetric": {
        "phrases": ["rendered volumetrically", "as volumetric light", "with volumetric fog"],
        "details": [
            "Density is marched through and light is absorbed along the way.",
            "A few samples towards the sun give the light scattering.",
        ],
    },
    "particles": {
        "phrases": ["with hundreds of particles", "made of particles", "with drifting particles"],
        "details": [
            "Every particle is placed by a hash and glows with an inverse square falloff.",
            "Several layers of particles move at different speeds for parallax.",
        ],
    },
    "glow": {
        "phrases": ["with a neon glow", "glowing", "with soft bloom", "with glowing lines"],
        "details": [
            "The glow falls off with one over the distance to each shape.",
            "Bright cores with a wide soft halo make it look like neon tubes.",
        ],
    },
    "tiling": {
        "phrases": [
            "on a grid", "tiled across the screen", "with repeating tiles", "as a tiling pattern",
        ],
        "details": [
            "Floor gives each cell an id and fract the position inside it.",
            "Each tile is randomised by hashing its cell id.",
        ],
    },
}

MOODS: dict[str, dict[str, list[str]]] = {
    "calm": {
        "adjectives": ["calm", "peaceful", "quiet", "gentle", "tranquil"],
        "sentences": ["It moves slowly and feels very calm.", "Good for relaxing or meditation."],
    },
    "eerie": {
        "adjectives": ["eerie", "creepy", "haunting", "ominous"],
        "sentences": [
            "Something about it feels slightly wrong.", "The light flickers and the shadows crawl.",
        ],
    },
    "energetic": {
        "adjectives": ["energetic", "intense", "frantic", "explosive"],
        "sentences": [
            "Everything is fast and bright and loud.", "It strobes and flashes with energy.",
        ],
    },
    "dreamy": {
        "adjectives": ["dreamy", "ethereal", "soft", "hazy"],
        "sentences": [
            "Soft haze and glowing edges give it a dreamlike feel.",
            "It feels like a half remembered dream.",
        ],
    },
    "melancholic": {
        "adjectives": ["melancholic", "lonely", "wistful", "sad"],
        "sentences": [
            "It feels a little lonely and a little sad.", "Empty and quiet, with a blue cast.",
        ],
    },
    "cosy": {
        "adjectives": ["cosy", "warm", "snug", "homely"],
        "sentences": [
            "Warm light makes it feel cosy.", "The kind of scene you want to curl up in.",
        ],
    },
    "epic": {
        "adjectives": ["epic", "vast", "majestic", "grand"],
        "sentences": [
            "The scale is huge and the light is dramatic.", "It feels enormous and majestic.",
        ],
    },
    "playful": {
        "adjectives": ["playful", "cute", "bouncy", "cheerful"],
        "sentences": [
            "Round shapes bounce around happily.", "Bright and cheerful, it makes people smile.",
        ],
    },
    "hypnotic": {
        "adjectives": ["hypnotic", "mesmerising", "trance-like", "looping"],
        "sentences": ["You could watch it loop for hours.", "The rhythm pulls you in."],
    },
    "psychedelic": {
        "adjectives": ["psychedelic", "trippy", "surreal", "kaleidoscopic"],
        "sentences": ["Colours melt and shift in impossible ways.", "A bit of a fever dream."],
    },
    "cinematic": {
        "adjectives": ["cinematic", "moody", "atmospheric", "filmic"],
        "sentences": [
            "Colour grading and grain make it feel like a film still.",
            "The camera moves like in a movie.",
        ],
    },
    "minimal": {
        "adjectives": ["minimal", "simple", "clean", "sparse"],
        "sentences": [
            "Just a few shapes and a lot of empty space.", "Nothing extra, only what is needed.",
        ],
    },
    "nostalgic": {
        "adjectives": ["nostalgic", "retro", "vintage", "oldschool"],
        "sentences": ["It feels like an old memory.", "Straight out of an old computer magazine."],
    },
    "dark": {
        "adjectives": ["dark", "gloomy", "shadowy", "brooding"],
        "sentences": [
            "Mostly shadow, with one source of light.", "Deep blacks and a low key look.",
        ],
    },
    "mysterious": {
        "adjectives": ["mysterious", "strange", "otherworldly", "alien"],
        "sentences": [
            "You are never quite sure what you are looking at.", "It feels like another world.",
        ],
    },
    "futuristic": {
        "adjectives": ["futuristic", "high tech", "sleek", "sci-fi"],
        "sentences": [
            "Clean lines and glowing interfaces.", "It looks like technology from the future.",
        ],
    },
    "organic": {
        "adjectives": ["organic", "living", "natural", "breathing"],
        "sentences": ["It seems to breathe and grow.", "Everything looks alive."],
    },
    "chaotic": {
        "adjectives": ["chaotic", "wild", "turbulent", "restless"],
        "sentences": ["Nothing stays still for a moment.", "Turbulence everywhere."],
    },
}

STYLES: list[str] = [
    "synthwave", "vaporwave", "cyberpunk", "minimalist", "watercolour", "bauhaus", "op art",
    "ukiyo-e", "pixel art", "low poly", "anime", "film noir", "art deco", "pop art", "glitch art",
    "demoscene", "retro vector", "stained glass", "pointillist", "oil painting", "halftone",
    "solarpunk", "lo-fi", "impressionist", "sumi ink", "papercut", "cel shaded", "outrun",
]

COLOURS: list[str] = [
    "neon pink and cyan", "deep blue and gold", "pastel pink and mint", "black and white",
    "fiery orange and red", "cold blues and greys", "rainbow colours", "green and violet",
    "magenta and orange", "teal and coral", "earthy browns and greens", "purple and gold",
    "sepia tones", "acid green and magenta", "warm amber", "icy blue", "muted greens",
    "turquoise and white", "red and black", "soft lavender",
]

ASK_OPENERS: list[str] = [
    "I'd love {x}.", "Could someone make {x}?", "Looking for {x}.", "Request: {x}.",
    "Would pay a small bounty for {x}.", "Anyone up for making {x}?", "Please make {x}!",
    "I want {x} for my stream.", "{X}, loopable for a music video.", "{X}.",
    "Dreaming of {x}.", "Need {x} as a background for my site.", "Can anyone do {x}?",
    "My wish: {x}.", "Idea: {x}.", "Would love to see {x}.", "{X}, please.",
    "Something like {x}.", "Commission: {x}.", "Hoping someone makes {x}.",
]

COMMENTS: list[str] = [
    "Love how {detail_lower}", "The {tech} here is beautiful, great work.",
    "How did you get the {noun} to look so real? Is it {tech}?",
    "This {mood} {noun} is exactly what I wanted for my desktop.",
    "Forked it and changed the colours to {colour}, looks amazing.",
    "Runs smooth on my laptop, the {tech} is really well optimised.",
    "The {noun} reminds me of {style} art.", "My favourite part: {elements}.",
]

NOTE_TEMPLATES: list[str] = [
    "How I made the {noun}: {tech_detail} {tech_detail2}",
    "Tip for {subject}: {tech_detail} It also looks good {tech_phrase}.",
    "Making {subject} {tech_phrase}. {tech_detail} {detail}",
    "Breakdown: {subject}, {tech_phrase}. {tech_detail}",
    "Question: what is the best way to make {subject}? I tried it {tech_phrase} but {problem}.",
]

PROBLEMS: list[str] = [
    "it looks too flat", "there is banding everywhere", "the edges alias badly",
    "it is too slow on mobile",
    "the motion feels stiff", "the colours look washed out", "it tiles visibly",
    "the shadows are too hard", "it flickers when the camera moves",
]

# Things that belong in each subject's picture; listings and asks mention a few of them, so
# related words share documents (which is what lets the SVD relate them).
ELEMENTS: dict[str, list[str]] = {
    "ocean": [
        "foam", "spray", "crests", "troughs", "the horizon", "gulls", "a lighthouse", "a pier",
        "wet rocks", "the tide", "the shore", "seaweed", "driftwood", "a sailboat", "whitecaps",
        "the beach", "salt mist", "breakers",
    ],
    "clouds": [
        "cumulus towers", "wisps", "silver linings", "cloud shadows", "a blue sky", "haze",
        "anvil tops", "soft edges", "sunbeams", "a passing plane", "rain curtains", "vapour",
    ],
    "fire": [
        "sparks", "embers", "smoke", "logs", "heat shimmer", "ash", "a warm glow", "coals",
        "flickering light", "cinders", "charred wood", "a fireplace", "torches", "candles",
    ],
    "aurora": [
        "green curtains", "violet fringes", "stars", "a frozen lake", "snowy peaks", "pine trees",
        "a cabin", "the arctic sky", "reflections", "a polar night", "ice", "faint ribbons",
    ],
    "terrain": [
        "cliffs", "ridges", "valleys", "boulders", "snow caps", "scree", "meadows", "a river",
        "rock strata", "erosion gullies", "plateaus", "mesas", "foothills", "alpine lakes",
        "glaciers", "a winding road",
    ],
    "forest": [
        "pine trees", "oak trees", "moss", "ferns", "mushrooms", "fallen logs", "bark", "leaves",
        "roots", "a clearing", "birdsong", "deer", "undergrowth", "sunbeams", "a trail", "lichen",
    ],
    "rain": [
        "puddles", "droplets", "umbrellas", "a window pane", "streaks", "splashes", "gutters",
        "wet asphalt", "street lamps", "condensation", "reflections", "a bus stop",
    ],
    "snow": [
        "snowflakes", "icicles", "drifts", "a snowman", "sledges", "footprints", "frost", "pines",
        "a frozen pond", "chimney smoke", "mittens", "a cold wind",
    ],
    "space": [
        "stars", "distant suns", "a comet", "satellites", "the void", "cosmic dust", "parallax",
        "a space station", "constellations", "a spaceship", "meteors", "twinkling points",
    ],
    "nebula": [
        "gas clouds", "dust lanes", "young stars", "hydrogen glow", "pillars", "filaments",
        "shock fronts", "star nurseries", "cosmic dust", "ionised gas",
    ],
    "galaxy": [
        "spiral arms", "a bright core", "star clusters", "dust lanes", "a halo",
        "satellite galaxies",
        "tidal tails", "billions of stars", "a central bar",
    ],
    "planet": [
        "rings", "moons", "an atmosphere", "craters", "continents", "oceans", "storm bands",
        "a terminator line", "polar caps", "volcanoes", "orbits", "city lights on the night side",
    ],
    "blackhole": [
        "an accretion disk", "an event horizon", "a photon ring", "bent starlight", "jets",
        "gravitational lensing", "doppler beaming", "infalling gas", "a shadow",
    ],
    "desert": [
        "sand dunes", "cacti", "a mirage", "heat haze", "camels", "an oasis", "palm trees",
        "ripples in the sand", "rock arches", "a dry riverbed", "tumbleweed", "a caravan",
    ],
    "underwater": [
        "fish", "coral", "kelp", "caustics", "light shafts", "bubbles", "sea turtles", "sand",
        "sea anemones", "a shipwreck", "plankton", "manta rays", "a diver", "jellyfish",
    ],
    "lava": [
        "magma", "cracked crust", "ash clouds", "smoke", "glowing rivers", "basalt", "sparks",
        "a crater", "molten rock", "obsidian", "sulphur vents",
    ],
    "city": [
        "skyscrapers", "neon signs", "holograms", "flying cars", "wet streets", "traffic",
        "billboards", "alleys", "fire escapes", "rooftops", "antennas", "street food stalls",
        "subway trains", "steam vents",
    ],
    "sunset": [
        "an orange sky", "pink clouds", "silhouettes", "a low sun", "long shadows", "the horizon",
        "warm light", "purple haze", "birds flying home", "a glowing sea",
    ],
    "night": [
        "the moon", "stars", "owls", "street lamps", "quiet houses", "moonlight", "dark hills",
        "crickets", "a night sky", "lanterns", "silhouettes of trees",
    ],
    "water": [
        "ripples", "reflections", "lily pads", "reeds", "pebbles", "caustics", "dragonflies",
        "koi", "a wooden jetty", "rain drops", "a canoe",
    ],
    "waterfall": [
        "spray", "mist", "mossy rocks", "a plunge pool", "rainbows", "ferns", "cliffs",
        "white water", "a gorge",
    ],
    "ice": [
        "icicles", "crystals", "frost", "cracks", "facets", "geodes", "blue light", "snow",
        "prisms", "refraction", "shards", "caves",
    ],
    "smoke": [
        "wisps", "curls", "plumes", "incense", "steam", "vapour", "ink", "swirls", "eddies",
        "a candle", "a chimney",
    ],
    "storm": [
        "lightning bolts", "thunder", "dark clouds", "heavy rain", "wind", "hail", "a tornado",
        "flashes", "rolling clouds", "waves",
    ],
    "flowers": [
        "petals", "stems", "leaves", "pollen", "bees", "butterflies", "buds", "roses", "tulips",
        "sunflowers", "daisies", "lotus", "vines",
    ],
    "cells": [
        "membranes", "nuclei", "bacteria", "cytoplasm", "a microscope", "tissue", "veins",
        "blood cells", "spores", "amoebas", "cilia",
    ],
    "coral": [
        "spots", "stripes", "mazes", "worms", "fingerprints", "zebra stripes", "leopard spots",
        "brain coral", "labyrinths", "chemicals",
    ],
    "tunnel": [
        "rings", "walls", "hexagons", "lights", "a vanishing point", "speed lines", "pipes",
        "a tube", "neon strips", "twists",
    ],
    "mandelbrot": [
        "seahorse tails", "spirals", "minibrots", "filaments", "the cardioid", "bulbs",
        "escape bands", "deep zooms", "elephant valley",
    ],
    "julia": [
        "dust", "spirals", "dendrites", "islands", "orbit traps", "the constant c", "rabbits",
        "swirls",
    ],
    "mandelbulb": [
        "bulbs", "caves", "spikes", "recursive holes", "folds", "orbit traps", "cathedrals",
        "alien architecture", "surface detail",
    ],
    "mandala": [
        "mirrored slices", "petals", "rosettes", "stars", "symmetry", "rings", "mirrors",
        "sacred geometry", "folds",
    ],
    "plasma": [
        "sine waves", "colour bands", "rainbow cycles", "blobs", "interference", "swirls",
        "scanlines", "copper bars",
    ],
    "grid": [
        "tiles", "hexagons", "squares", "triangles", "cells", "lines", "dots", "checkers",
        "arcs", "truchet paths", "borders", "grout",
    ],
    "blobs": [
        "metaballs", "goo", "droplets", "chrome", "reflections", "wobbles", "bubbles", "jelly",
        "mercury", "slime",
    ],
    "particles": [
        "fireflies", "sparks", "dust motes", "trails", "swarms", "fireworks", "confetti",
        "embers", "stars", "bokeh",
    ],
    "ink": [
        "swirls", "veins", "marbling", "paint", "dye", "currents", "eddies", "curls", "oil",
        "streaks",
    ],
    "retro": [
        "palm trees", "a striped sun", "chrome text", "a wireframe grid", "cassette tapes",
        "sports cars", "mountains", "scanlines", "lasers",
    ],
    "pixelgame": [
        "sprites", "aliens", "a castle", "coins", "hearts", "a hero", "platforms", "enemies",
        "tilemaps", "parallax layers", "a score counter",
    ],
    "abstract": [
        "circles", "squares", "lines", "ribbons", "gradients", "stripes", "curves", "dots",
        "negative space", "overlaps",
    ],
    "glitch": [
        "rgb split", "scanlines", "static", "tearing", "pixel blocks", "noise bars",
        "datamoshing", "vhs tracking", "dead pixels",
    ],
    "portal": [
        "runes", "sparks", "energy", "a vortex", "glyphs", "rings", "lightning", "magic dust",
        "a summoning circle",
    ],
    "machine": [
        "circuits", "gears", "pipes", "panels", "cables", "leds", "data", "pulses", "chips",
        "screens", "hud elements",
    ],
}

EXTRA_SUBJECTS: dict[str, dict[str, list[str]]] = {
    "beach": {
        "nouns": ["Beach", "Shoreline", "Coast", "Lagoon"],
        "phrases": [
            "a tropical beach", "a sandy shoreline", "a rocky coast", "a turquoise lagoon",
            "a beach at low tide",
        ],
        "details": [
            "Waves wash up the sand and slide back leaving foam lines.",
            "Palm trees lean over the water and sway.",
            "The shallow water is clear and turquoise.",
        ],
        "elements": ["sand", "shells", "palm trees", "foam", "crabs", "footprints", "a hammock"],
        "techniques": ["raymarch", "noise", "fbm", "pixel", "voronoi"],
    },
    "river": {
        "nouns": ["River", "Creek", "Delta", "Rapids"],
        "phrases": ["a winding river", "a mountain creek", "rapids over stones", "a river delta"],
        "details": [
            "The current carries leaves past the stones.",
            "The river catches the sky and glitters.",
            "Water splits around rocks and joins again downstream.",
        ],
        "elements": ["stones", "reeds", "a bridge", "willows", "current", "fish", "banks"],
        "techniques": ["noise", "fbm", "raymarch", "feedback", "pixel"],
    },
    "cave": {
        "nouns": ["Cavern", "Grotto", "Cave", "Underground"],
        "phrases": ["a dark cave", "a glowing grotto", "an underground lake", "a crystal cavern"],
        "details": [
            "Stalactites hang from the ceiling and drip.",
            "A faint light comes from an opening far above.",
            "The walls glitter with minerals.",
        ],
        "elements": ["stalactites", "stalagmites", "bats", "crystals", "a pool", "torches"],
        "techniques": ["raymarch", "sdf", "noise", "fbm", "volumetric"],
    },
    "castle": {
        "nouns": ["Castle", "Citadel", "Keep", "Fortress"],
        "phrases": [
            "a castle on a hill", "a ruined fortress", "a fairy tale castle", "a floating citadel",
        ],
        "details": [
            "Flags flutter on the towers.",
            "The walls are old stone covered in ivy.",
            "Clouds drift past the highest spire.",
        ],
        "elements": ["towers", "walls", "a drawbridge", "banners", "ivy", "spires", "a moat"],
        "techniques": ["raymarch", "sdf", "pixel", "fbm"],
    },
    "temple": {
        "nouns": ["Temple", "Ruins", "Shrine", "Monument"],
        "phrases": ["ancient ruins", "a jungle temple", "a mountain shrine", "greek columns"],
        "details": [
            "Vines have grown over the broken stones.",
            "Light falls through the open roof.",
            "Columns stand in long rows and cast shadows.",
        ],
        "elements": ["columns", "statues", "vines", "steps", "arches", "altars", "lanterns"],
        "techniques": ["raymarch", "sdf", "volumetric", "noise"],
    },
    "village": {
        "nouns": ["Village", "Town", "Hamlet", "Streets"],
        "phrases": ["a small village", "a seaside town", "a mountain hamlet", "a quiet street"],
        "details": [
            "Warm light glows in the windows.",
            "Smoke curls from the chimneys.",
            "A cat walks along a wall.",
        ],
        "elements": [
            "houses", "roofs", "windows", "chimneys", "lanterns", "a bell tower", "a bakery",
        ],
        "techniques": ["pixel", "raymarch", "sdf", "tiling"],
    },
    "bubbles": {
        "nouns": ["Bubbles", "Foam", "Fizz", "Soap Film"],
        "phrases": ["soap bubbles", "rising bubbles", "a foam of bubbles", "fizzy soda bubbles"],
        "details": [
            "Thin film colours swirl over each bubble.",
            "Bubbles wobble, touch and pop.",
            "Tiny bubbles stream upward and burst at the surface.",
        ],
        "elements": ["thin film", "rainbow sheen", "reflections", "pops", "soap", "glasses"],
        "techniques": ["raymarch", "sdf", "voronoi", "particles", "palette"],
    },
    "glass": {
        "nouns": ["Glass", "Prism", "Lens", "Crystal Ball"],
        "phrases": ["refractive glass", "a glass prism", "a crystal ball", "glass marbles"],
        "details": [
            "Light bends through the glass and splits into colours.",
            "The background is warped and flipped inside the sphere.",
            "Caustics gather under the glass.",
        ],
        "elements": [
            "refraction", "reflections", "caustics", "dispersion", "highlights", "rainbows",
        ],
        "techniques": ["raymarch", "sdf", "post"],
    },
    "metal": {
        "nouns": ["Chrome", "Steel", "Gold", "Liquid Metal"],
        "phrases": ["shiny chrome", "brushed steel", "liquid metal", "molten gold"],
        "details": [
            "The surface reflects a studio of soft lights.",
            "Highlights slide over the metal as it moves.",
            "It ripples like mercury.",
        ],
        "elements": ["reflections", "highlights", "scratches", "an environment map", "ripples"],
        "techniques": ["raymarch", "sdf", "noise", "post"],
    },
    "cloth": {
        "nouns": ["Silk", "Cloth", "Fabric", "Curtain"],
        "phrases": ["flowing silk", "a waving flag", "a curtain in the wind", "folds of fabric"],
        "details": [
            "The cloth ripples and folds softly.",
            "Highlights run along the creases.",
            "The fabric billows when the wind picks up.",
        ],
        "elements": ["folds", "creases", "threads", "sheen", "wind", "wrinkles"],
        "techniques": ["noise", "raymarch", "fbm", "sdf"],
    },
    "creatures": {
        "nouns": ["Jellyfish", "Koi", "Birds", "Butterflies", "Moths"],
        "phrases": [
            "a jellyfish", "koi fish in a pond", "a flock of birds", "butterflies",
            "a school of fish",
            "a whale", "glowing moths",
        ],
        "details": [
            "They move together and split apart like one animal.",
            "Its tentacles trail behind and pulse softly.",
            "Wings flutter in the sunlight.",
        ],
        "elements": ["wings", "tentacles", "fins", "scales", "feathers", "flocks", "tails"],
        "techniques": ["sdf", "raymarch", "particles", "noise", "glow"],
    },
    "robot": {
        "nouns": ["Robot", "Mech", "Android", "Drone"],
        "phrases": ["a little robot", "a giant mech", "a hovering drone", "an android face"],
        "details": [
            "Its eyes blink with a soft blue light.",
            "Joints whirr as it turns its head.",
            "Panels open and close on its body.",
        ],
        "elements": ["joints", "panels", "eyes", "antennas", "bolts", "wires", "lights"],
        "techniques": ["raymarch", "sdf", "post", "glow"],
    },
    "vehicles": {
        "nouns": ["Highway", "Train", "Racer", "Spaceship"],
        "phrases": [
            "a car on a night highway", "a train crossing a bridge", "a spaceship flyby",
            "a race through a neon track", "a submarine in the deep",
        ],
        "details": [
            "Headlights sweep across the road.",
            "Engines glow blue as it passes.",
            "The landscape streams past the windows.",
        ],
        "elements": ["headlights", "tail lights", "engines", "rails", "roads", "exhaust", "wheels"],
        "techniques": ["raymarch", "sdf", "post", "glow", "tiling"],
    },
    "lights": {
        "nouns": ["Bokeh", "Lanterns", "Fairy Lights", "Neon Sign"],
        "phrases": [
            "bokeh lights", "floating lanterns", "fairy lights", "a flickering neon sign",
            "christmas lights", "paper lanterns on a river",
        ],
        "details": [
            "Soft out of focus circles drift across the frame.",
            "The lights twinkle on and off.",
            "The sign buzzes and flickers on a brick wall.",
        ],
        "elements": ["bokeh", "glow", "strings of lights", "lanterns", "bulbs", "reflections"],
        "techniques": ["glow", "particles", "post", "sdf2d", "noise"],
    },
    "typography": {
        "nouns": ["Type", "Logo", "Letters", "Title Card"],
        "phrases": [
            "animated text", "a glowing logo", "chrome letters", "a title card",
            "a scrolling marquee",
        ],
        "details": [
            "The letters assemble themselves from pieces.",
            "Each glyph glows and fades in turn.",
            "Text scrolls across the screen in a sine wave.",
        ],
        "elements": ["letters", "glyphs", "outlines", "a font", "kerning", "a reveal"],
        "techniques": ["sdf2d", "glow", "post", "demo"],
    },
    "interface": {
        "nouns": ["Spinner", "Button", "Background", "Transition"],
        "phrases": [
            "a loading spinner", "a hover effect for a button", "an animated website background",
            "a slide transition", "a progress bar",
        ],
        "details": [
            "It loops smoothly and never draws attention away from the content.",
            "The edges wobble like liquid when hovered.",
            "It fades between two images with a soft wipe.",
        ],
        "elements": ["buttons", "gradients", "arcs", "dots", "wipes", "borders", "cards"],
        "techniques": ["sdf2d", "palette", "noise", "glow"],
    },
    "curves": {
        "nouns": ["Spirograph", "Lissajous", "Attractor", "Curves"],
        "phrases": [
            "lissajous curves", "a spirograph", "a lorenz attractor", "a rose curve",
            "a harmonograph drawing",
        ],
        "details": [
            "A single line loops and overlaps into a complex figure.",
            "The curve is traced slowly like an oscilloscope beam.",
            "Points orbit a strange attractor and never repeat.",
        ],
        "elements": ["loops", "orbits", "pens", "traces", "phosphor", "figures", "lines"],
        "techniques": ["sdf2d", "glow", "feedback", "polar", "particles"],
    },
    "simulation": {
        "nouns": ["Fluid", "Life", "Automaton", "Sandbox"],
        "phrases": [
            "a fluid simulation", "the game of life", "a falling sand sandbox",
            "a slime mould simulation", "a cellular automaton",
        ],
        "details": [
            "Drag the mouse to stir the dye.",
            "Patterns emerge from very simple rules.",
            "Agents leave trails and follow each other.",
        ],
        "elements": ["dye", "velocity", "pressure", "agents", "rules", "grains", "trails"],
        "techniques": ["multipass", "feedback", "reaction", "particles"],
    },
    "illusion": {
        "nouns": ["Illusion", "Moire", "Spiral", "Stripes"],
        "phrases": [
            "an optical illusion", "moire patterns", "a hypnotic spiral", "black and white stripes",
            "an impossible staircase",
        ],
        "details": [
            "The stripes seem to move even though they are still.",
            "Two fine patterns overlap and create ghostly waves.",
            "The spiral appears to pull you in.",
        ],
        "elements": ["stripes", "checkers", "spirals", "dots", "curves", "contrast"],
        "techniques": ["polar", "tiling", "sdf2d", "palette"],
    },
    "festive": {
        "nouns": ["Halloween", "Christmas", "New Year", "Festival"],
        "phrases": [
            "a halloween pumpkin", "a christmas tree", "new year fireworks", "a lantern festival",
            "a birthday card with confetti",
        ],
        "details": [
            "Candlelight flickers inside the carved face.",
            "Ornaments sparkle and the lights blink.",
            "Bursts of colour bloom over the city.",
        ],
        "elements": ["pumpkins", "ornaments", "confetti", "candles", "gifts", "bats", "stars"],
        "techniques": ["particles", "glow", "sdf", "raymarch", "pixel"],
    },
    "food": {
        "nouns": ["Donut", "Candy", "Jelly", "Sweets"],
        "phrases": [
            "a frosted donut", "hard candy", "wobbly jelly", "a bowl of ramen", "a cup of coffee",
        ],
        "details": [
            "Sprinkles tumble off the icing.",
            "Steam rises from the cup in soft curls.",
            "The jelly wobbles and catches the light.",
        ],
        "elements": ["sprinkles", "icing", "steam", "syrup", "stripes", "noodles"],
        "techniques": ["raymarch", "sdf", "noise"],
    },
    "fantasy": {
        "nouns": ["Dragon", "Enchanted Woods", "Wizard Tower", "Potion"],
        "phrases": [
            "a dragon in the clouds", "an enchanted forest", "a wizard's tower",
            "a bubbling potion",
            "glowing mushrooms",
        ],
        "details": [
            "Magic sparks float up and vanish.",
            "Strange plants glow softly in the dark.",
            "Green smoke spills over the rim of the cauldron.",
        ],
        "elements": ["spells", "runes", "mushrooms", "potions", "crystals", "wands", "fairies"],
        "techniques": ["particles", "glow", "fbm", "raymarch", "noise"],
    },
    "body": {
        "nouns": ["Neurons", "Heartbeat", "DNA", "Veins"],
        "phrases": [
            "neurons firing", "a dna helix", "a beating heart", "blood vessels branching",
            "an eye iris",
        ],
        "details": [
            "Electric pulses travel along the branches.",
            "The helix turns slowly and glows.",
            "Fibres radiate from the pupil.",
        ],
        "elements": ["synapses", "pulses", "branches", "fibres", "a helix", "membranes"],
        "techniques": ["glow", "noise", "sdf", "voronoi", "raymarch"],
    },
    "sun": {
        "nouns": ["Sun", "Corona", "Eclipse", "Solar Flare"],
        "phrases": [
            "the surface of the sun", "a solar eclipse", "solar flares", "a red giant star",
        ],
        "details": [
            "The surface boils with bright granules.",
            "Prominences arc off the edge in loops.",
            "The corona streams out around the dark disc.",
        ],
        "elements": ["granules", "prominences", "sunspots", "the corona", "plasma loops", "flares"],
        "techniques": ["fbm", "noise", "volumetric", "domainwarp", "glow"],
    },
    "electric": {
        "nouns": ["Lightning", "Plasma Ball", "Tesla Coil", "Arcs"],
        "phrases": ["electric arcs", "a plasma globe", "crackling electricity", "a tesla coil"],
        "details": [
            "Jagged bolts branch out and flicker.",
            "The tendrils follow your cursor.",
            "Everything flashes blue white for an instant.",
        ],
        "elements": ["bolts", "tendrils", "sparks", "branches", "flashes", "crackles"],
        "techniques": ["noise", "glow", "fbm", "polar"],
    },
}

# What people call each technique in a comment ("the raymarching here is ...").
TECH_NAMES: dict[str, str] = {
    "raymarch": "raymarching", "sdf": "SDF modelling", "sdf2d": "2D SDF work", "fbm": "fbm",
    "domainwarp": "domain warping", "noise": "noise", "voronoi": "voronoi",
    "reaction": "reaction diffusion", "feedback": "feedback", "multipass": "buffer setup",
    "kaleidoscope": "kaleidoscope folding", "polar": "polar mapping", "tunnel": "tunnel mapping",
    "fractal": "fractal colouring", "palette": "palette", "post": "post processing",
    "audio": "audio reactivity", "pixel": "pixel art", "demo": "demo effect",
    "volumetric": "volumetric lighting", "particles": "particle system", "glow": "glow",
    "tiling": "tiling",
}

# Words about how a technique works, so technique vocabulary shares documents too.
TECH_TERMS: dict[str, list[str]] = {
    "raymarch": ["rays", "steps", "hit points", "normals", "the camera", "epsilon", "iterations"],
    "sdf": ["spheres", "boxes", "tori", "capsules", "smooth unions", "booleans", "distance"],
    "sdf2d": ["circles", "boxes", "segments", "outlines", "crisp edges", "distance"],
    "fbm": ["octaves", "lacunarity", "gain", "amplitude", "frequency", "detail"],
    "domainwarp": ["warps", "offsets", "folds", "swirls", "displacement"],
    "noise": ["hashes", "gradients", "random values", "interpolation", "seeds"],
    "voronoi": ["feature points", "cells", "borders", "cracks", "nearest distance"],
    "reaction": ["chemicals", "feed rate", "kill rate", "diffusion", "laplacian"],
    "feedback": ["previous frames", "trails", "decay", "accumulation", "echoes"],
    "multipass": ["buffers", "passes", "state", "textures"],
    "kaleidoscope": ["mirrors", "sectors", "folds", "symmetry", "reflections"],
    "polar": ["angle", "radius", "rings", "spokes", "rotation"],
    "tunnel": ["depth", "angle", "inverse radius", "scrolling", "walls"],
    "fractal": ["iterations", "escape radius", "orbit traps", "bands", "zoom depth"],
    "palette": ["hues", "gradients", "colour ramps", "cosines"],
    "post": ["bloom", "grain", "vignette", "gamma", "tone mapping", "scanlines"],
    "audio": ["bass", "beats", "the spectrum", "the waveform", "volume"],
    "pixel": ["low resolution", "dithering", "limited palettes", "sprites"],
    "demo": ["rasters", "scrollers", "sine tables", "copper bars"],
    "volumetric": ["density", "absorption", "scattering", "light shafts"],
    "particles": ["points", "sprites", "velocities", "trails", "lifetimes"],
    "glow": ["halos", "falloff", "neon", "bloom"],
    "tiling": ["cells", "tiles", "ids", "repetition", "offsets"],
}

SUBJECTS.update(EXTRA_SUBJECTS)
for _key, _subject in SUBJECTS.items():
    _subject.setdefault("elements", ELEMENTS.get(_key, []))


def _title(rng: random.Random, subject: dict, mood: dict) -> str:
    """A one to three word title such as 'Quiet Tides'."""
    noun = rng.choice(subject["nouns"])
    if rng.random() < 0.5:
        return f"{rng.choice(mood['adjectives']).title()} {noun}"
    return noun


def _with_adjective(phrase: str, adjective: str) -> str:
    """Put an adjective after the article: 'a sunset' + 'dreamy' -> 'a dreamy sunset'."""
    article, _, rest = phrase.partition(" ")
    if article in ("a", "an"):
        article = "an" if adjective[0] in "aeiou" else "a"
        return f"{article} {adjective} {rest}"
    if article == "the":
        return f"the {adjective} {rest}"
    return f"{adjective} {phrase}"


def _cap(text: str) -> str:
    """Upper-case the first character only."""
    return text[:1].upper() + text[1:]


def _series(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


ELEMENT_SENTENCES = [
    "With {items}.", "You can see {items}.", "Look out for {items}.", "It has {items}.",
    "Includes {items}.", "There are {items} if you look closely.", "Featuring {items}.",
]
TECH_SENTENCES = [
    "Tweak the {items} at the top of the code.", "The {items} are all adjustable.",
    "Most of the work is in the {items}.", "Play with the {items} to change the look.",
]


def _elements(rng: random.Random, subject: dict, low: int = 1, high: int = 3) -> str:
    """A few of the subject's picture elements, as a phrase."""
    items = subject["elements"]
    return _series(rng.sample(items, k=min(len(items), rng.randint(low, high))))


def _listing(rng: random.Random, key: str) -> str:
    """A shader listing: title, one-line summary, details and sometimes tags."""
    subject = SUBJECTS[key]
    tech_key = rng.choice(subject["techniques"])
    tech = TECHNIQUES[tech_key]
    mood = MOODS[rng.choice(list(MOODS))]
    parts = [f"{_title(rng, subject, mood)}:"]
    summary = f"{rng.choice(subject['phrases'])}, {rng.choice(tech['phrases'])}"
    if rng.random() < 0.4:
        summary += f", in {rng.choice(COLOURS)}"
    parts.append(_cap(summary) + ".")
    parts.extend(rng.sample(subject["details"], k=rng.randint(1, 2)))
    if subject["elements"] and rng.random() < 0.6:
        parts.append(rng.choice(ELEMENT_SENTENCES).format(items=_elements(rng, subject, 2, 4)))
    parts.append(rng.choice(tech["details"]))
    if tech_key in TECH_TERMS and rng.random() < 0.35:
        terms = _series(rng.sample(TECH_TERMS[tech_key], k=2))
        parts.append(rng.choice(TECH_SENTENCES).format(items=terms))
    if rng.random() < 0.5:
        parts.append(rng.choice(mood["sentences"]))
    if rng.random() < 0.35:
        tags = [key, tech_key] + rng.sample(mood["adjectives"], k=1)
        if rng.random() < 0.5:
            tags.append(rng.choice(STYLES))
        parts.append("Tags: " + ", ".join(tags) + ".")
    return " ".join(parts)


def _ask(rng: random.Random, key: str) -> str:
    """A desire-board ask: one short sentence, sometimes with a style or colour."""
    subject = SUBJECTS[key]
    pieces = [rng.choice(subject["phrases"])]
    if subject["elements"] and rng.random() < 0.45:
        pieces[0] += f" with {_elements(rng, subject, 1, 2)}"
    roll = rng.random()
    if roll < 0.4:
        pieces.append(rng.choice(TECHNIQUES[rng.choice(subject["techniques"])]["phrases"]))
    elif roll < 0.6:
        pieces.append(f"in {rng.choice(STYLES)} style")
    elif roll < 0.75:
        pieces.append(f"in {rng.choice(COLOURS)}")
    if rng.random() < 0.35:
        adjective = rng.choice(MOODS[rng.choice(list(MOODS))]["adjectives"])
        pieces[0] = _with_adjective(pieces[0], adjective)
    phrase = ", ".join(pieces)
    opener = rng.choice(ASK_OPENERS)
    return opener.replace("{X}", _cap(phrase)).replace("{x}", phrase)


def _note(rng: random.Random, key: str) -> str:
    """A technique note or question tied to a subject."""
    subject = SUBJECTS[key]
    tech_key = rng.choice(subject["techniques"])
    tech = TECHNIQUES[tech_key]
    other = TECHNIQUES[rng.choice(subject["techniques"])]
    details = rng.sample(tech["details"], k=min(2, len(tech["details"])))
    text = rng.choice(NOTE_TEMPLATES).format(
        noun=rng.choice(subject["nouns"]).lower(),
        subject=rng.choice(subject["phrases"]),
        tech_detail=details[0],
        tech_detail2=details[-1] if len(details) > 1 else rng.choice(other["details"]),
        tech_phrase=rng.choice(other["phrases"]),
        detail=rng.choice(subject["details"]),
        problem=rng.choice(PROBLEMS),
    )
    if tech_key in TECH_TERMS and rng.random() < 0.5:
        terms = _series(rng.sample(TECH_TERMS[tech_key], k=2))
        text += " " + rng.choice(TECH_SENTENCES).format(items=terms)
    return _cap(text)


def _comment(rng: random.Random, key: str) -> str:
    """A viewer's comment on a shader."""
    subject = SUBJECTS[key]
    tech_key = rng.choice(subject["techniques"])
    detail = rng.choice(subject["details"])
    mood = MOODS[rng.choice(list(MOODS))]
    text = rng.choice(COMMENTS).format(
        noun=rng.choice(subject["nouns"]).lower(),
        detail_lower=detail[:1].lower() + detail[1:],
        tech=TECH_NAMES[tech_key],
        mood=rng.choice(mood["adjectives"]),
        colour=rng.choice(COLOURS),
        style=rng.choice(STYLES),
        elements=_elements(rng, subject, 1, 2) if subject["elements"] else "the details",
    )
    return _cap(text)


def _scene(rng: random.Random, key: str) -> str:
    """A short scene description: the subject and what is in it, with a mood and colours."""
    subject = SUBJECTS[key]
    mood = MOODS[rng.choice(list(MOODS))]
    phrase = _with_adjective(rng.choice(subject["phrases"]), rng.choice(mood["adjectives"]))
    text = f"{_cap(phrase)}"
    if subject["elements"]:
        text += f" with {_elements(rng, subject, 2, 4)}"
    text += f", {rng.choice(COLOURS)}. {rng.choice(subject['details'])}"
    return text


KINDS = [(_listing, 0.36), (_ask, 0.32), (_note, 0.12), (_comment, 0.08), (_scene, 0.12)]


def generate(count: int = DOCUMENTS, seed: int = SEED) -> list[str]:
    """The generated documents, the same every time for the same count and seed."""
    rng = random.Random(seed)
    keys = sorted(SUBJECTS)
    makers = [maker for maker, _ in KINDS]
    weights = [weight for _, weight in KINDS]
    seen: set[str] = set()
    documents: list[str] = []
    attempts = 0
    while len(documents) < count and attempts < count * 20:
        attempts += 1
        maker = rng.choices(makers, weights)[0]
        text = " ".join(maker(rng, rng.choice(keys)).split())
        if text not in seen:
            seen.add(text)
            documents.append(text)
    return documents


def text(documents: list[str]) -> str:
    """generated.txt's content: one document per line."""
    return "\n".join(documents) + "\n"


def main() -> None:
    """Write generated.txt (or --out) with one document per line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--count", type=int, default=DOCUMENTS)
    args = parser.parse_args()
    documents = generate(args.count)
    args.out.write_text(text(documents), encoding="utf-8")
    print(f"wrote {len(documents)} documents to {args.out}")


if __name__ == "__main__":
    main()
