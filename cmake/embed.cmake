# Turn a text file into a C source defining `const char cvi_default_policy[]`
# (NUL-terminated) and its length. Usage: cmake -DIN=file -DOUT=file.c -P embed.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUT} "/* generated from pipeline/default_policy.yaml by cmake/embed.cmake */\n#include <stddef.h>\nconst char cvi_default_policy[] = {\n${body}0x00 };\nconst size_t cvi_default_policy_len = sizeof cvi_default_policy - 1;\n")
