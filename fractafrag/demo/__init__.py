"""Demo shaders written for Fractafrag, seeded by `fractafrag up --demo`."""
