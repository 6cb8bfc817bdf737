/* main.c - the liaison command (placeholder until the CLI lands). */
#include <stdio.h>

int main(void)
{
	fputs("liaison: not built yet\n", stderr);
	return 70;
}
