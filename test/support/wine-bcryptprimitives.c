/* Bun's Windows builds import ProcessPrng from bcryptprimitives.dll, which Debian's wine 8 lacks.
   Built with mingw and placed next to the .exe, this stand-in lets the real binary run under wine. */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) { return RtlGenRandom(data, (ULONG)size); }
