// Unsigned integers, bit operations and float bit casts: a small integer hash.
uint hash(uint x)
{
    x ^= x >> 16u;
    x *= 0x7feb352du;
    x ^= x >> 15u;
    x *= 0x846ca68bu;
    x ^= x >> 16u;
    return x;
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    uvec2 cell = uvec2(fragCoord) / 8u;
    uint h = hash(cell.x + hash(cell.y + uint(iFrame)));
    float noise = float(h & 0xffffu) / 65535.0;
    int bits = int(floatBitsToUint(noise) >> 23) % 7;
    ivec2 pixel = ivec2(fragCoord) & ivec2(3);
    fragColor = vec4(noise, float(bits) / 7.0, float(pixel.x ^ pixel.y) / 3.0, 1.0);
}
