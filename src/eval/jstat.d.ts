// jstat ships no types; only the part the eval uses is declared.
declare module "jstat" {
  export const jStat: {
    studentt: {
      /** The inverse CDF (quantile) of Student's t distribution with `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  };
}
