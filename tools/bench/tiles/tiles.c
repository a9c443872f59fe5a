#include <immintrin.h>
#include <stdio.h>
/* The 6 x 16 register tile of TileShapes.java in AVX2 intrinsics: gcc -O2 -mavx2 -mfma -o /tmp/tiles tiles.c */
#include <time.h>
void k6(int kc, const float* ap, const float* bp, float* c, int ldc){
  __m256 c00=_mm256_setzero_ps(),c01=c00,c10=c00,c11=c00,c20=c00,c21=c00,c30=c00,c31=c00,c40=c00,c41=c00,c50=c00,c51=c00;
  for(int p=0;p<kc;p++){ const float*a=ap+p*6; const float*b=bp+p*16;
    __m256 b0=_mm256_loadu_ps(b), b1=_mm256_loadu_ps(b+8), x;
    x=_mm256_broadcast_ss(a); c00=_mm256_fmadd_ps(x,b0,c00); c01=_mm256_fmadd_ps(x,b1,c01);
    x=_mm256_broadcast_ss(a+1); c10=_mm256_fmadd_ps(x,b0,c10); c11=_mm256_fmadd_ps(x,b1,c11);
    x=_mm256_broadcast_ss(a+2); c20=_mm256_fmadd_ps(x,b0,c20); c21=_mm256_fmadd_ps(x,b1,c21);
    x=_mm256_broadcast_ss(a+3); c30=_mm256_fmadd_ps(x,b0,c30); c31=_mm256_fmadd_ps(x,b1,c31);
    x=_mm256_broadcast_ss(a+4); c40=_mm256_fmadd_ps(x,b0,c40); c41=_mm256_fmadd_ps(x,b1,c41);
    x=_mm256_broadcast_ss(a+5); c50=_mm256_fmadd_ps(x,b0,c50); c51=_mm256_fmadd_ps(x,b1,c51);}
  _mm256_storeu_ps(c,c00);_mm256_storeu_ps(c+8,c01);_mm256_storeu_ps(c+ldc,c10);_mm256_storeu_ps(c+ldc+8,c11);
  _mm256_storeu_ps(c+2*ldc,c20);_mm256_storeu_ps(c+2*ldc+8,c21);_mm256_storeu_ps(c+3*ldc,c30);_mm256_storeu_ps(c+3*ldc+8,c31);
  _mm256_storeu_ps(c+4*ldc,c40);_mm256_storeu_ps(c+4*ldc+8,c41);_mm256_storeu_ps(c+5*ldc,c50);_mm256_storeu_ps(c+5*ldc+8,c51);}
int main(){ static float a[256*6+64], b[256*16+64], c[6*64]; for(int i=0;i<256*6;i++)a[i]=(i%7)*0.01f; for(int i=0;i<256*16;i++)b[i]=(i%5)*.01f;
 for(int r=0;r<3;r++){ struct timespec t0,t1; clock_gettime(CLOCK_MONOTONIC,&t0); int reps=200000;
  for(int i=0;i<reps;i++) k6(256,a,b,c,64);
  clock_gettime(CLOCK_MONOTONIC,&t1); double s=(t1.tv_sec-t0.tv_sec)+(t1.tv_nsec-t0.tv_nsec)*1e-9; printf("C 6x16 %.1f GFLOP/s %f\n", 2.0*6*16*256*reps/s/1e9, c[5]);}}
