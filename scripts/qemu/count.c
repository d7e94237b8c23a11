/* A QEMU user-mode plugin that counts the guest instructions a process runs.
 *
 * It keeps one total over all threads and rewrites it, as a decimal number, to
 * the file given as out=FILE every 20 ms and when the process exits, so a
 * caller can read the count before and after a piece of work. Used by
 * scripts/instructions to count instructions per request on machines (like
 * virtual ones) where hardware counters are not available.
 *
 * With profile=1 it also keeps a count per translated block (by its guest
 * address): when a file named OUT.dump appears, the plugin writes every block's
 * address, instruction count and executions so far to OUT.profile and removes
 * OUT.dump. Two such snapshots, diffed and symbolized, are a profile that does
 * not depend on timing (scripts/instructions --profile).
 *
 * Build: cc -shared -fPIC -O2 -o count.so count.c -lpthread
 * Run:   qemu-x86_64 -plugin ./count.so,out=/tmp/count.txt PROGRAM ARGS...
 *
 * The declarations below are the parts of QEMU's plugin API (version 1, as in
 * QEMU 7.2) this plugin uses, so that no QEMU headers are needed to build it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
extern void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                                 enum qemu_plugin_cb_flags flags, void *userdata);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t total;     /* instructions run so far, all threads */
static const char *path;   /* where the total is written */

/* With profile=1: one record per translation of a block. */
struct block {
  uint64_t address, instructions, executions;
  struct block *next;
};
static int profiling;
static struct block *blocks;
static pthread_mutex_t blocks_lock = PTHREAD_MUTEX_INITIALIZER;

/* Each translated block adds its instruction count when it runs (atomically:
 * the guest's threads run on threads of their own). */
static void on_exec(unsigned int vcpu, void *count) {
  __atomic_fetch_add(&total, (uint64_t)(uintptr_t)count, __ATOMIC_RELAXED);
}

static void on_exec_profiled(unsigned int vcpu, void *record) {
  struct block *block = record;
  __atomic_fetch_add(&total, block->instructions, __ATOMIC_RELAXED);
  __atomic_fetch_add(&block->executions, 1, __ATOMIC_RELAXED);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  size_t instructions = qemu_plugin_tb_n_insns(tb);
  if (!profiling) {
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)instructions);
    return;
  }
  struct block *block = calloc(1, sizeof *block);
  if (!block) return;
  block->address = qemu_plugin_tb_vaddr(tb);
  block->instructions = instructions;
  pthread_mutex_lock(&blocks_lock);
  block->next = blocks;
  blocks = block;
  pthread_mutex_unlock(&blocks_lock);
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec_profiled, QEMU_PLUGIN_CB_NO_REGS, block);
}

/* OUT.profile: "address instructions executions" per line, in hex and decimal. */
static void dump_profile(void) {
  char request[4096], temporary[4096], output[4096];
  snprintf(request, sizeof request, "%s.dump", path);
  if (access(request, F_OK) != 0) return;
  snprintf(temporary, sizeof temporary, "%s.profile.tmp", path);
  snprintf(output, sizeof output, "%s.profile", path);
  FILE *file = fopen(temporary, "w");
  if (!file) return;
  pthread_mutex_lock(&blocks_lock);
  struct block *first = blocks;
  pthread_mutex_unlock(&blocks_lock);
  for (struct block *block = first; block; block = block->next) {
    uint64_t executions = __atomic_load_n(&block->executions, __ATOMIC_RELAXED);
    if (executions)
      fprintf(file, "%llx %llu %llu\n", (unsigned long long)block->address,
              (unsigned long long)block->instructions, (unsigned long long)executions);
  }
  fclose(file);
  rename(temporary, output);
  unlink(request);
}

/* Written to a temporary name and renamed, so a reader never sees half a number. */
static void save(void) {
  char temporary[4096];
  snprintf(temporary, sizeof temporary, "%s.tmp", path);
  FILE *file = fopen(temporary, "w");
  if (!file) return;
  fprintf(file, "%llu\n", (unsigned long long)__atomic_load_n(&total, __ATOMIC_RELAXED));
  fclose(file);
  rename(temporary, path);
}

static void *writer(void *unused) {
  for (;;) {
    save();
    if (profiling) dump_profile();
    usleep(20000);
  }
  return NULL;
}

static void at_exit(qemu_plugin_id_t id, void *unused) { save(); }

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (strncmp(argv[i], "out=", 4) == 0) path = argv[i] + 4;
    else if (strcmp(argv[i], "profile=1") == 0) profiling = 1;
  if (!path) {
    fprintf(stderr, "count plugin: out=FILE is required\n");
    return -1;
  }
  pthread_t thread;
  if (pthread_create(&thread, NULL, writer, NULL) != 0) return -1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, at_exit, NULL);
  return 0;
}
