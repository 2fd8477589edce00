/** The promise of `task()`, with a throw before it returned one as a rejection: for the request
 *  path's layers, which chain promises rather than run an async frame for every request. */
export function started<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}
