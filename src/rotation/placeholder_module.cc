// placeholder until the rotation module lands; replaced by real sources.
